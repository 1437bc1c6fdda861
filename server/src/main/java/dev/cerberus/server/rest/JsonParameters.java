package dev.cerberus.server.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cerberus.proto.oip.InferParameter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code $parameters} object of the spec ({@code "name": $string | $number | $boolean})
 * to and from the gRPC {@link InferParameter} map.
 */
final class JsonParameters {

  private JsonParameters() {}

  /** Reads a parameters object; {@code what} names its owner in errors. Absent = empty. */
  static Map<String, InferParameter> read(JsonNode node, String what) {
    Map<String, InferParameter> out = new LinkedHashMap<>();
    if (node == null) return out;
    if (!node.isObject()) {
      throw RestError.badRequest(what + ".parameters is " + TensorDatatype.kind(node)
          + "; it must be an object of name: string | number | boolean");
    }
    for (var e : node.properties()) {
      JsonNode v = e.getValue();
      InferParameter.Builder p = InferParameter.newBuilder();
      if (v.isBoolean()) {
        p.setBoolParam(v.booleanValue());
      } else if (v.isIntegralNumber() && v.canConvertToLong()) {
        p.setInt64Param(v.longValue());
      } else if (v.isNumber()) {
        p.setDoubleParam(v.doubleValue());
      } else if (v.isTextual()) {
        p.setStringParam(v.textValue());
      } else {
        throw RestError.badRequest(what + ".parameters." + e.getKey() + " is "
            + TensorDatatype.kind(v) + "; a parameter is a string, number or boolean");
      }
      out.put(e.getKey(), p.build());
    }
    return out;
  }

  /** A boolean parameter's value, or null when absent; 400 when it is not a boolean. */
  static Boolean bool(Map<String, InferParameter> params, String name, String what) {
    InferParameter p = params.get(name);
    if (p == null) return null;
    if (p.getParameterChoiceCase() != InferParameter.ParameterChoiceCase.BOOL_PARAM) {
      throw RestError.badRequest(what + ".parameters." + name + " must be true or false");
    }
    return p.getBoolParam();
  }

  /** The gRPC parameters as a JSON object. */
  static ObjectNode write(Map<String, InferParameter> params) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    params.forEach((name, p) -> {
      switch (p.getParameterChoiceCase()) {
        case BOOL_PARAM -> out.put(name, p.getBoolParam());
        case INT64_PARAM -> out.put(name, p.getInt64Param());
        case STRING_PARAM -> out.put(name, p.getStringParam());
        case DOUBLE_PARAM -> out.put(name, p.getDoubleParam());
        case UINT64_PARAM -> out.put(name, new java.math.BigInteger(Long.toUnsignedString(p.getUint64Param())));
        case PARAMETERCHOICE_NOT_SET -> { }
      }
    });
    return out;
  }
}
