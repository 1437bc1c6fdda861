package dev.cerberus.server.oip;

import dev.cerberus.model.ItemPrediction;
import dev.cerberus.model.input.ModelInput;
import dev.cerberus.proto.oip.ModelInferRequest;
import dev.cerberus.proto.oip.ModelInferResponse;
import dev.cerberus.server.inference.CallContext;
import dev.cerberus.server.inference.ItemOutcome;
import dev.cerberus.server.inference.ServedModel;
import io.grpc.Status;
import io.grpc.StatusException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One ModelInferRequest through the shared inference path: decode the input tensor into items,
 * pick the requested outputs, classify through the model's batcher ({@link ServedModel#classify},
 * the same one cerberus.v1 uses), and encode the predictions as output tensors.
 *
 * <p>The OIP has no per-item errors: when any item fails, the whole request fails with that
 * item's status code and a message naming its index (the first failing item; the count of the
 * others is appended).
 */
final class OipInference {

  private OipInference() {}

  /** The future fails with a StatusException / StatusRuntimeException on any error. */
  static CompletableFuture<ModelInferResponse> infer(
      ServedModel model, ModelInferRequest request, CallContext context) {
    List<ModelInput> items;
    List<String> outputs;
    Map<String, Integer> topK;
    OipOutputs outputSpec = new OipOutputs(model.name(), model.manifest());
    try {
      OipParameters.check(request);
      items = decoder(model).decode(request);
      outputs = outputSpec.select(request);
      topK = OipClassification.requested(request, outputSpec);
    } catch (StatusException e) {
      return CompletableFuture.failedFuture(e);
    }
    boolean raw = request.getRawInputContentsCount() > 0;
    return model
        .classify(items, context)
        .thenApply(
            outcomes -> {
              List<ItemPrediction> predictions = predictionsOrFail(outcomes);
              ModelInferResponse.Builder response =
                  ModelInferResponse.newBuilder()
                      .setModelName(model.name())
                      .setModelVersion(model.version())
                      .setId(request.getId());
              outputSpec.encode(outputs, predictions, raw, topK, response);
              return response.build();
            });
  }

  static OipInputDecoder decoder(ServedModel model) {
    return new OipInputDecoder(
        model.name(),
        model.manifest().input(),
        model.batcherSettings().maxItemsPerRequest(),
        "cerberus.max-items-per-request");
  }

  private static List<ItemPrediction> predictionsOrFail(List<ItemOutcome> outcomes) {
    List<ItemPrediction> predictions = new ArrayList<>(outcomes.size());
    ItemOutcome.ItemFailure first = null;
    int firstIndex = -1;
    int failures = 0;
    for (int i = 0; i < outcomes.size(); i++) {
      ItemOutcome outcome = outcomes.get(i);
      if (outcome instanceof ItemOutcome.Predicted p) {
        predictions.add(p.prediction());
      } else if (outcome instanceof ItemOutcome.ItemFailure f) {
        if (first == null) {
          first = f;
          firstIndex = i;
        }
        failures++;
      }
    }
    if (first != null) {
      String others = failures > 1 ? " (" + (failures - 1) + " more item(s) failed too)" : "";
      throw Status.fromCode(first.code())
          .withDescription("item " + firstIndex + ": " + first.message() + others)
          .asRuntimeException();
    }
    return predictions;
  }
}
