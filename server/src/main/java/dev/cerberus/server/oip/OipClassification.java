package dev.cerberus.server.oip;

import com.google.protobuf.ByteString;
import dev.cerberus.model.ItemPrediction;
import dev.cerberus.model.bundle.BundleManifest.HeadSpec;
import dev.cerberus.proto.oip.InferParameter;
import dev.cerberus.proto.oip.InferTensorContents;
import dev.cerberus.proto.oip.ModelInferRequest;
import dev.cerberus.proto.oip.ModelInferRequest.InferRequestedOutputTensor;
import dev.cerberus.proto.oip.ModelInferResponse;
import dev.cerberus.proto.oip.ModelInferResponse.InferOutputTensor;
import io.grpc.StatusException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Triton's {@code classification} output parameter: a requested output with
 * {@code classification = k} (int64) comes back as BYTES [N, k] instead of its probabilities,
 * each element {@code "score:index:label"}, highest score first. Only a head's probabilities
 * output can be classified; k above the head's label count is cut to it, as Triton does.
 */
final class OipClassification {

  /** The output parameter Triton clients send (tritonclient's {@code class_count}). */
  static final String PARAMETER = "classification";

  private OipClassification() {}

  /** Requested output name -> k, for the outputs that ask for classification. */
  static Map<String, Integer> requested(ModelInferRequest request, OipOutputs outputs)
      throws StatusException {
    Map<String, Integer> topK = new LinkedHashMap<>();
    for (InferRequestedOutputTensor out : request.getOutputsList()) {
      InferParameter p = out.getParametersMap().get(PARAMETER);
      if (p == null) continue;
      long k = switch (p.getParameterChoiceCase()) {
        case INT64_PARAM -> p.getInt64Param();
        case UINT64_PARAM -> p.getUint64Param();
        default -> throw OipInvalidRequest.of("output '" + out.getName() + "': parameter '"
            + PARAMETER + "' must be an int64 (the number of top classes), got "
            + p.getParameterChoiceCase());
      };
      HeadSpec head = outputs.headOf(out.getName());
      if (head == null) {
        throw OipInvalidRequest.of("output '" + out.getName() + "' cannot be classified; '"
            + PARAMETER + "' applies to a head's probabilities output: " + outputs.headNames());
      }
      if (k < 1) {
        throw OipInvalidRequest.of("output '" + out.getName() + "': '" + PARAMETER + "' is " + k
            + "; ask for 1 to " + head.labels().size() + " top classes");
      }
      topK.put(out.getName(), (int) Math.min(k, head.labels().size()));
    }
    return topK;
  }

  /** Fills {@code tensor} with the top-k of head {@code headIndex} for every item. */
  static void encode(InferOutputTensor.Builder tensor, HeadSpec head, int headIndex, int k,
      List<ItemPrediction> predictions, boolean raw, ModelInferResponse.Builder response) {
    List<ByteString> elements = new ArrayList<>(predictions.size() * k);
    for (ItemPrediction p : predictions) {
      float[] probabilities = p.heads().get(headIndex).probabilities();
      IntStream.range(0, probabilities.length).boxed()
          .sorted(Comparator.comparingDouble((Integer i) -> -probabilities[i])
              .thenComparingInt(i -> i))
          .limit(k)
          .forEach(i -> elements.add(ByteString.copyFrom(
              probabilities[i] + ":" + i + ":" + head.labels().get(i), StandardCharsets.UTF_8)));
    }
    tensor.setDatatype(OipTensors.BYTES).addShape(k);
    if (raw) {
      response.addRawOutputContents(RawContents.encodeBytes(elements));
    } else {
      tensor.setContents(InferTensorContents.newBuilder().addAllBytesContents(elements));
    }
  }
}
