package dev.cerberus.server.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.google.protobuf.ByteString;
import dev.cerberus.proto.oip.InferParameter;
import dev.cerberus.proto.oip.InferTensorContents;
import dev.cerberus.proto.oip.ModelInferRequest;
import dev.cerberus.proto.oip.ModelInferRequest.InferInputTensor;
import dev.cerberus.proto.oip.ModelInferRequest.InferRequestedOutputTensor;
import dev.cerberus.server.grpc.Echo;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads the body of {@code POST /v2/models/{name}/infer} ({@code $inference_request} of the
 * KServe v2 spec, plus Triton's binary tensor data extension) into an {@link InferCall}.
 * Everything the protocol itself defines is checked here (JSON syntax, field types, datatype
 * names, shape against element count, binary sizes); what the model accepts (input name,
 * datatype, shape, item count) is the shared OIP decoder's call, so both transports say the
 * same thing.
 */
final class InferRequestReader {

  /** Strict: a repeated key or a second JSON value after the object is an error, not ignored. */
  static final ObjectMapper JSON = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  /** Input parameter: the byte length of the input's binary data after the JSON. */
  static final String BINARY_DATA_SIZE = "binary_data_size";
  /** Requested-output parameter: return this output as binary data. */
  static final String BINARY_DATA = "binary_data";
  /** Request parameter: return every output as binary data unless it says otherwise. */
  static final String BINARY_DATA_OUTPUT = "binary_data_output";

  private InferRequestReader() {}

  /**
   * @param body the whole request body
   * @param jsonLength the Inference-Header-Content-Length header (the JSON's length when binary
   *     data follows it), or -1 when absent (the body is all JSON)
   */
  static InferCall read(byte[] body, int jsonLength, String model, String version) {
    if (jsonLength > body.length) {
      throw RestError.badRequest("Inference-Header-Content-Length is " + jsonLength
          + " but the body has only " + body.length + " bytes");
    }
    int json = jsonLength < 0 ? body.length : jsonLength;
    JsonNode root = parse(body, json);
    if (!root.isObject()) {
      throw RestError.badRequest("the request body is " + TensorDatatype.kind(root)
          + "; it must be a JSON object {\"inputs\": [...]} ($inference_request)");
    }
    ModelInferRequest.Builder request =
        ModelInferRequest.newBuilder().setModelName(model).setModelVersion(version);
    JsonNode id = root.get("id");
    if (id != null) {
      if (!id.isTextual()) {
        throw RestError.badRequest("\"id\" is " + TensorDatatype.kind(id) + "; it must be a string");
      }
      request.setId(id.textValue());
    }
    Map<String, InferParameter> params = JsonParameters.read(root.get("parameters"), "request");
    Boolean binaryByDefault = JsonParameters.bool(params, BINARY_DATA_OUTPUT, "request");
    params.remove(BINARY_DATA_OUTPUT); // a transport detail, not the model's business
    request.putAllParameters(params);
    Binary binary = new Binary(body, json, jsonLength >= 0);
    readInputs(root.get("inputs"), request, binary);
    binary.checkAllUsed();
    Map<String, Boolean> binaryOutputs = readOutputs(root.get("outputs"), request);
    return new InferCall(request.build(), binaryOutputs, Boolean.TRUE.equals(binaryByDefault));
  }

  private static JsonNode parse(byte[] body, int length) {
    if (length == 0) {
      throw RestError.badRequest("the request body is empty; it must be a JSON object "
          + "{\"inputs\": [...]} ($inference_request)");
    }
    try {
      return JSON.readTree(body, 0, length);
    } catch (JsonProcessingException e) {
      var where = e.getLocation();
      throw RestError.badRequest("the request body is not valid JSON: " + e.getOriginalMessage()
          + (where == null ? "" : " (line " + where.getLineNr() + ", column "
              + where.getColumnNr() + ")"));
    } catch (IOException e) {
      throw RestError.badRequest("the request body cannot be read as JSON: " + e.getMessage());
    }
  }

  private static void readInputs(JsonNode inputs, ModelInferRequest.Builder request,
      Binary binary) {
    if (inputs == null || !inputs.isArray() || inputs.isEmpty()) {
      throw RestError.badRequest("\"inputs\" must be a non-empty array of {\"name\", \"shape\", "
          + "\"datatype\", \"data\"} objects" + (inputs == null ? " (it is missing)"
              : " (it is " + TensorDatatype.kind(inputs) + (inputs.isArray() ? ", empty)" : ")")));
    }
    for (int i = 0; i < inputs.size(); i++) {
      request.addInputs(readInput(inputs.get(i), "inputs[" + i + "]", request, binary));
    }
  }

  private static InferInputTensor readInput(JsonNode in, String at,
      ModelInferRequest.Builder request, Binary binary) {
    if (!in.isObject()) {
      throw RestError.badRequest(at + " is " + TensorDatatype.kind(in) + "; it must be an object");
    }
    String name = text(in, "name", at);
    String what = "input '" + Echo.of(name) + "'";
    TensorDatatype type = TensorDatatype.of(text(in, "datatype", at), what);
    long[] shape = TensorData.shape(in.get("shape"), what);
    InferInputTensor.Builder tensor =
        InferInputTensor.newBuilder().setName(name).setDatatype(type.name());
    for (long d : shape) tensor.addShape(d);
    Map<String, InferParameter> params = new HashMap<>(JsonParameters.read(in.get("parameters"), at));
    InferParameter size = params.remove(BINARY_DATA_SIZE);
    tensor.putAllParameters(params);
    JsonNode data = in.get("data");
    if (size != null) {
      if (data != null) {
        throw RestError.badRequest(what + " has both \"data\" and parameters.binary_data_size;"
            + " give its values one way");
      }
      request.addRawInputContents(binary.take(size, what, type, shape));
    } else {
      if (data == null) {
        throw RestError.badRequest(what + " has no \"data\" (and no parameters.binary_data_size"
            + " for binary data)");
      }
      InferTensorContents.Builder contents = InferTensorContents.newBuilder();
      TensorData.fill(data, shape, type, contents, what);
      tensor.setContents(contents);
    }
    return tensor.build();
  }

  private static Map<String, Boolean> readOutputs(JsonNode outputs,
      ModelInferRequest.Builder request) {
    Map<String, Boolean> binary = new HashMap<>();
    if (outputs == null) return binary;
    if (!outputs.isArray()) {
      throw RestError.badRequest("\"outputs\" is " + TensorDatatype.kind(outputs)
          + "; it must be an array of {\"name\"} objects");
    }
    for (int i = 0; i < outputs.size(); i++) {
      JsonNode out = outputs.get(i);
      String at = "outputs[" + i + "]";
      if (!out.isObject()) {
        throw RestError.badRequest(at + " is " + TensorDatatype.kind(out) + "; it must be an object");
      }
      String name = text(out, "name", at);
      Map<String, InferParameter> params = new HashMap<>(JsonParameters.read(out.get("parameters"), at));
      Boolean asBinary = JsonParameters.bool(params, BINARY_DATA, at);
      params.remove(BINARY_DATA);
      if (asBinary != null) binary.put(name, asBinary);
      request.addOutputs(
          InferRequestedOutputTensor.newBuilder().setName(name).putAllParameters(params));
    }
    return binary;
  }

  private static String text(JsonNode object, String field, String at) {
    JsonNode v = object.get(field);
    if (v == null || !v.isTextual()) {
      throw RestError.badRequest(at + "." + field + (v == null ? " is missing"
          : " is " + TensorDatatype.kind(v)) + "; it must be a string");
    }
    return v.textValue();
  }

  /** The binary data after the JSON, handed out to the inputs in their order. */
  private static final class Binary {
    private final byte[] body;
    private final boolean headerGiven;
    private int next;

    Binary(byte[] body, int start, boolean headerGiven) {
      this.body = body;
      this.next = start;
      this.headerGiven = headerGiven;
    }

    ByteString take(InferParameter size, String what, TensorDatatype type, long[] shape) {
      if (!headerGiven) {
        throw RestError.badRequest(what + " sets binary_data_size but the request has no "
            + "Inference-Header-Content-Length header giving the JSON's length");
      }
      if (size.getParameterChoiceCase() != InferParameter.ParameterChoiceCase.INT64_PARAM
          || size.getInt64Param() < 0) {
        throw RestError.badRequest(what + ": parameters.binary_data_size must be an integer >= 0");
      }
      long n = size.getInt64Param();
      if (type.size > 0) {
        long expected = TensorData.elements(shape, what) * type.size;
        if (n != expected) {
          throw RestError.badRequest(what + " has shape " + TensorData.text(shape) + " ("
              + expected / type.size + " " + type + " elements = " + expected
              + " bytes) but binary_data_size is " + n);
        }
      }
      if (n > body.length - next) {
        throw RestError.badRequest(what + ": binary_data_size is " + n + " but only "
            + (body.length - next) + " bytes of binary data are left after the JSON");
      }
      ByteString out = ByteString.copyFrom(body, next, (int) n);
      next += (int) n;
      return out;
    }

    void checkAllUsed() {
      if (next != body.length) {
        throw RestError.badRequest("the body has " + (body.length - next) + " bytes after the "
            + "JSON and the inputs' binary data that no binary_data_size accounts for");
      }
    }
  }
}
