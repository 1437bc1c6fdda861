package dev.cerberus.server.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.cerberus.proto.oip.InferTensorContents;
import dev.cerberus.proto.oip.ModelInferResponse;
import dev.cerberus.proto.oip.ModelInferResponse.InferOutputTensor;
import dev.cerberus.server.oip.OipGateway;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a ModelInferResponse as {@code $inference_response}: outputs as JSON arrays (flat,
 * row-major), or, for outputs asked for as binary data, {@code binary_data_size} in their
 * parameters and their bytes after the JSON in output order (the binary tensor data
 * extension).
 */
final class InferResponseWriter {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private InferResponseWriter() {}

  static RestBody write(ModelInferResponse response, InferCall call) {
    ObjectNode root = NODES.objectNode();
    root.put("model_name", response.getModelName());
    root.put("model_version", response.getModelVersion());
    if (!response.getId().isEmpty()) root.put("id", response.getId());
    if (response.getParametersCount() > 0) {
      root.set("parameters", JsonParameters.write(response.getParametersMap()));
    }
    ArrayNode outputs = root.putArray("outputs");
    List<ByteString> binary = new ArrayList<>();
    for (int i = 0; i < response.getOutputsCount(); i++) {
      InferOutputTensor tensor = response.getOutputs(i);
      ObjectNode out = outputs.addObject();
      out.put("name", tensor.getName());
      out.put("datatype", tensor.getDatatype());
      ArrayNode shape = out.putArray("shape");
      tensor.getShapeList().forEach(shape::add);
      ObjectNode params = JsonParameters.write(tensor.getParametersMap());
      if (call.binary(tensor.getName())) {
        ByteString raw = OipGateway.rawOutput(response, i);
        params.put(InferRequestReader.BINARY_DATA_SIZE, raw.size());
        binary.add(raw);
      } else {
        data(out.putArray("data"), tensor.getDatatype(), OipGateway.typedOutput(response, i));
      }
      if (!params.isEmpty()) out.set("parameters", params);
    }
    byte[] json;
    try {
      json = InferRequestReader.JSON.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a JSON tree: " + e.getMessage(), e);
    }
    if (binary.isEmpty()) return RestBody.json(json);
    ByteArrayOutputStream body = new ByteArrayOutputStream(json.length + 1024);
    body.writeBytes(json);
    for (ByteString b : binary) body.writeBytes(b.toByteArray());
    return new RestBody(body.toByteArray(), json.length);
  }

  /** The values of typed contents as a flat JSON array (BYTES as UTF-8 strings). */
  private static void data(ArrayNode out, String datatype, InferTensorContents c) {
    switch (datatype) {
      case "FP32" -> c.getFp32ContentsList().forEach(out::add);
      case "BOOL" -> c.getBoolContentsList().forEach(out::add);
      case "BYTES" -> c.getBytesContentsList().forEach(b -> out.add(b.toStringUtf8()));
      case "FP64" -> c.getFp64ContentsList().forEach(out::add);
      case "INT8", "INT16", "INT32" -> c.getIntContentsList().forEach(out::add);
      case "INT64" -> c.getInt64ContentsList().forEach(out::add);
      case "UINT8", "UINT16", "UINT32" ->
          c.getUintContentsList().forEach(v -> out.add(Integer.toUnsignedLong(v)));
      default -> throw new IllegalStateException("no JSON form for output datatype " + datatype);
    }
  }
}
