package dev.cerberus.server.oip;

import dev.cerberus.proto.oip.InferParameter;
import dev.cerberus.proto.oip.ModelInferRequest;
import dev.cerberus.proto.oip.ModelInferResponse;
import io.grpc.Status;

/**
 * Triton's {@code triton_enable_empty_final_response} request parameter on ModelStreamInfer:
 * when true, every response says whether it is the request's last with the response parameter
 * {@code triton_final_response}. Cerberus models are not decoupled (one response per request,
 * error or result), so that response is always the final one and carries {@code true}; as in
 * Triton for such models, no separate empty response is sent.
 */
final class FinalResponseFlag {

  static final String REQUEST_PARAMETER = "triton_enable_empty_final_response";
  static final String RESPONSE_PARAMETER = "triton_final_response";

  private FinalResponseFlag() {}

  /** INVALID_ARGUMENT when the parameter is present but not a bool. */
  static void check(ModelInferRequest request) {
    InferParameter p = request.getParametersMap().get(REQUEST_PARAMETER);
    if (p != null && p.getParameterChoiceCase() != InferParameter.ParameterChoiceCase.BOOL_PARAM) {
      throw Status.INVALID_ARGUMENT.withDescription("parameter '" + REQUEST_PARAMETER
          + "' must be a bool, got " + p.getParameterChoiceCase()).asRuntimeException();
    }
  }

  static ModelInferResponse mark(ModelInferRequest request, ModelInferResponse.Builder response) {
    InferParameter p = request.getParametersMap().get(REQUEST_PARAMETER);
    if (p != null && p.getBoolParam()) {
      response.putParameters(RESPONSE_PARAMETER, InferParameter.newBuilder().setBoolParam(true)
          .build());
    }
    return response.build();
  }
}
