package dev.cerberus.server.oip;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.cerberus.model.HeadPrediction;
import dev.cerberus.model.ItemPrediction;
import dev.cerberus.model.bundle.BundleManifest;
import dev.cerberus.model.bundle.BundleManifest.HeadSpec;
import dev.cerberus.proto.oip.InferParameter;
import dev.cerberus.proto.oip.InferTensorContents;
import dev.cerberus.proto.oip.ModelInferRequest;
import dev.cerberus.proto.oip.ModelInferRequest.InferRequestedOutputTensor;
import dev.cerberus.proto.oip.ModelInferResponse;
import dev.cerberus.proto.oip.ModelInferResponse.InferOutputTensor;
import dev.cerberus.proto.oip.ModelMetadataResponse.TensorMetadata;
import io.grpc.StatusException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The output tensors of one model version: one FP32 [N, labels] tensor of probabilities per
 * head (named after the head, in bundle order), then {@code decision} (BYTES [N]),
 * {@code unknown} (BOOL [N]) and {@code ood_score} (FP32 [N]). Selects the ones a request asks
 * for and encodes predictions into them.
 */
final class OipOutputs {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String modelName;
  private final List<HeadSpec> heads;
  private final List<String> names;

  OipOutputs(String modelName, BundleManifest manifest) {
    this.modelName = modelName;
    this.heads = manifest.heads();
    List<String> all = new ArrayList<>();
    for (HeadSpec h : heads) all.add(h.name());
    // A head named like an item-level output would be ambiguous; the item-level one wins.
    all.removeAll(OipTensors.ITEM_OUTPUTS);
    all.addAll(OipTensors.ITEM_OUTPUTS);
    this.names = List.copyOf(all);
  }

  /** Every output name, in the order ModelMetadata and an output-less request use. */
  List<String> names() {
    return names;
  }

  /** The outputs a request asks for, in its order; all of them when it names none. */
  List<String> select(ModelInferRequest request) throws StatusException {
    if (request.getOutputsCount() == 0) return names;
    Set<String> chosen = new LinkedHashSet<>();
    for (InferRequestedOutputTensor out : request.getOutputsList()) {
      if (!names.contains(out.getName())) {
        throw OipInvalidRequest.of(
            "unknown output '" + out.getName() + "'; model '" + modelName + "' has outputs "
                + names);
      }
      if (!chosen.add(out.getName())) {
        throw OipInvalidRequest.of("output '" + out.getName() + "' is requested more than once");
      }
    }
    return List.copyOf(chosen);
  }

  List<TensorMetadata> metadata() {
    List<TensorMetadata> out = new ArrayList<>();
    for (String name : names) {
      TensorMetadata.Builder t = TensorMetadata.newBuilder().setName(name).addShape(-1);
      switch (name) {
        case OipTensors.DECISION -> t.setDatatype(OipTensors.BYTES);
        case OipTensors.UNKNOWN -> t.setDatatype(OipTensors.BOOL);
        case OipTensors.OOD_SCORE -> t.setDatatype(OipTensors.FP32);
        default -> t.setDatatype(OipTensors.FP32).addShape(head(name).labels().size());
      }
      out.add(t.build());
    }
    return out;
  }

  /**
   * Fills the selected outputs of {@code response} from the predictions (one per item, in
   * order). {@code raw} puts the data into raw_output_contents instead of typed contents.
   */
  void encode(
      List<String> selected, List<ItemPrediction> predictions, boolean raw,
      ModelInferResponse.Builder response) {
    int n = predictions.size();
    for (String name : selected) {
      InferOutputTensor.Builder tensor = InferOutputTensor.newBuilder().setName(name).addShape(n);
      switch (name) {
        case OipTensors.DECISION -> {
          List<ByteString> decisions = new ArrayList<>(n);
          for (ItemPrediction p : predictions) {
            decisions.add(ByteString.copyFrom(p.decision(), StandardCharsets.UTF_8));
          }
          tensor.setDatatype(OipTensors.BYTES);
          if (raw) response.addRawOutputContents(RawContents.encodeBytes(decisions));
          else tensor.setContents(InferTensorContents.newBuilder().addAllBytesContents(decisions));
        }
        case OipTensors.UNKNOWN -> {
          boolean[] unknown = new boolean[n];
          for (int i = 0; i < n; i++) unknown[i] = predictions.get(i).unknown();
          tensor.setDatatype(OipTensors.BOOL);
          if (raw) {
            response.addRawOutputContents(RawContents.encodeBool(unknown));
          } else {
            InferTensorContents.Builder c = InferTensorContents.newBuilder();
            for (boolean u : unknown) c.addBoolContents(u);
            tensor.setContents(c);
          }
        }
        case OipTensors.OOD_SCORE -> {
          float[] scores = new float[n];
          for (int i = 0; i < n; i++) scores[i] = predictions.get(i).oodScore();
          tensor.setDatatype(OipTensors.FP32);
          putFloats(tensor, scores, raw, response);
        }
        default -> {
          HeadSpec spec = head(name);
          int headIndex = heads.indexOf(spec);
          int width = spec.labels().size();
          float[] probabilities = new float[n * width];
          for (int i = 0; i < n; i++) {
            HeadPrediction hp = predictions.get(i).heads().get(headIndex);
            System.arraycopy(hp.probabilities(), 0, probabilities, i * width, width);
          }
          tensor.setDatatype(OipTensors.FP32).addShape(width);
          tensor.putParameters(
              OipTensors.LABELS_PARAMETER,
              InferParameter.newBuilder().setStringParam(labelsJson(spec)).build());
          putFloats(tensor, probabilities, raw, response);
        }
      }
      response.addOutputs(tensor);
    }
  }

  private static void putFloats(
      InferOutputTensor.Builder tensor, float[] values, boolean raw,
      ModelInferResponse.Builder response) {
    if (raw) {
      response.addRawOutputContents(RawContents.encodeFp32(values));
    } else {
      InferTensorContents.Builder c = InferTensorContents.newBuilder();
      for (float v : values) c.addFp32Contents(v);
      tensor.setContents(c);
    }
  }

  private HeadSpec head(String name) {
    for (HeadSpec h : heads) {
      if (h.name().equals(name)) return h;
    }
    throw new IllegalArgumentException("no head " + name);
  }

  private static String labelsJson(HeadSpec head) {
    try {
      return JSON.writeValueAsString(head.labels());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
