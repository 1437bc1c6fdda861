package dev.cerberus.server.rest;

import dev.cerberus.proto.oip.ModelInferRequest;
import java.util.Map;

/**
 * A REST inference request, translated: the gRPC message the shared inference path takes, and
 * which outputs the client wants back as binary data (the binary tensor data extension).
 *
 * @param request inputs as typed contents (JSON data) or raw_input_contents (binary data)
 * @param binaryOutputs per requested output name: its {@code binary_data} parameter, when given
 * @param binaryByDefault the request's {@code binary_data_output} parameter: the choice for
 *     outputs that do not set {@code binary_data}
 */
record InferCall(
    ModelInferRequest request, Map<String, Boolean> binaryOutputs, boolean binaryByDefault) {

  /** Whether output {@code name} goes back as binary data after the JSON. */
  boolean binary(String name) {
    return binaryOutputs.getOrDefault(name, binaryByDefault);
  }
}
