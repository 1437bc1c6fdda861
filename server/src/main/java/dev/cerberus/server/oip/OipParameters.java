package dev.cerberus.server.oip;

import dev.cerberus.proto.oip.InferParameter;
import dev.cerberus.proto.oip.ModelInferRequest;
import dev.cerberus.proto.oip.ModelInferRequest.InferRequestedOutputTensor;
import io.grpc.StatusException;
import java.util.Map;

/**
 * The request parameters this server knows, checked for their type. Unknown parameters are
 * ignored, as the protocol makes them an extension point; known ones with the wrong type would
 * be silently misread, so those are refused with a message saying what is allowed. Triton's
 * {@code classification} output parameter is checked where it is served (OipOutputs).
 */
final class OipParameters {

  private OipParameters() {}

  /** Request-level parameters Triton clients send, with the value type each must have. */
  private static final Map<String, InferParameter.ParameterChoiceCase> REQUEST = Map.of(
      "priority", InferParameter.ParameterChoiceCase.UINT64_PARAM,
      "timeout", InferParameter.ParameterChoiceCase.INT64_PARAM,
      "binary_data_output", InferParameter.ParameterChoiceCase.BOOL_PARAM);

  /** Output-level parameters accepted (and ignored: gRPC answers are always binary). */
  private static final Map<String, InferParameter.ParameterChoiceCase> OUTPUT = Map.of(
      "binary_data", InferParameter.ParameterChoiceCase.BOOL_PARAM);

  static void check(ModelInferRequest request) throws StatusException {
    for (var e : request.getParametersMap().entrySet()) {
      checkType("request parameter", e.getKey(), e.getValue(), REQUEST);
    }
    for (InferRequestedOutputTensor out : request.getOutputsList()) {
      for (var e : out.getParametersMap().entrySet()) {
        checkType("parameter of output '" + out.getName() + "'", e.getKey(), e.getValue(), OUTPUT);
      }
    }
  }

  private static void checkType(String what, String name, InferParameter value,
      Map<String, InferParameter.ParameterChoiceCase> known) throws StatusException {
    InferParameter.ParameterChoiceCase expected = known.get(name);
    if (expected == null) {
      return; // unknown parameters are an extension point of the protocol: ignored
    }
    InferParameter.ParameterChoiceCase actual = value.getParameterChoiceCase();
    boolean ok = actual == expected
        // a signed priority is what many clients send; any non-negative one is fine
        || (expected == InferParameter.ParameterChoiceCase.UINT64_PARAM
            && actual == InferParameter.ParameterChoiceCase.INT64_PARAM
            && value.getInt64Param() >= 0);
    if (!ok) {
      throw OipInvalidRequest.of(what + " '" + name + "' is " + wireName(actual) + "; it must be "
          + wireName(expected));
    }
  }

  private static String wireName(InferParameter.ParameterChoiceCase c) {
    return c == InferParameter.ParameterChoiceCase.PARAMETERCHOICE_NOT_SET
        ? "empty (no value set)" : c.name().toLowerCase(java.util.Locale.ROOT);
  }
}
