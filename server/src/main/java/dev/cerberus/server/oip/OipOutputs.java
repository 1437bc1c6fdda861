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
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The output tensors of one model version: one FP32 [N, labels] tensor of probabilities per
 * head (named after the head, in bundle order); for each head with its own unknown policy
 * {@code <head>_unknown} (BOOL [N]) and {@code <head>_ood_score} (FP32 [N]), in bundle order;
 * then {@code decision} (BYTES [N]), {@code unknown} (BOOL [N], the overall verdict) and
 * {@code ood_score} (FP32 [N]); then why: {@code reason} (BYTES [N]: gate, threshold or class),
 * for a top-level fusion {@code <member>_score} (FP32 [N]) per member, and for each head with
 * its own policy {@code <head>_reason} (BYTES [N]). The "why" outputs came last and yield
 * their name to any older output, so no model's existing outputs changed. Selects the ones a
 * request asks for and encodes predictions into them.
 */
final class OipOutputs {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** What an output tensor carries. */
  private enum Kind {
    PROBABILITIES, HEAD_UNKNOWN, HEAD_OOD_SCORE, DECISION, UNKNOWN, OOD_SCORE, REASON,
    MEMBER_SCORE, HEAD_REASON
  }

  /**
   * One output: its kind and, for per-head kinds, the head's bundle index (for
   * {@code MEMBER_SCORE}, the fusion member's index).
   */
  private record Output(Kind kind, int head) {}

  private final String modelName;
  private final List<HeadSpec> heads;
  private final Map<String, Output> outputs; // in metadata order

  OipOutputs(String modelName, BundleManifest manifest) {
    this.modelName = modelName;
    this.heads = manifest.heads();
    Map<String, Output> all = new LinkedHashMap<>();
    for (int h = 0; h < heads.size(); h++) all.put(heads.get(h).name(), new Output(Kind.PROBABILITIES, h));
    // A derived per-head name that equals a head's name keeps the head's probabilities.
    for (int h = 0; h < heads.size(); h++) {
      if (!heads.get(h).hasOwnPolicy()) continue;
      String name = heads.get(h).name();
      all.putIfAbsent(name + OipTensors.HEAD_UNKNOWN_SUFFIX, new Output(Kind.HEAD_UNKNOWN, h));
      all.putIfAbsent(name + OipTensors.HEAD_OOD_SCORE_SUFFIX, new Output(Kind.HEAD_OOD_SCORE, h));
    }
    // A head named like an item-level output would be ambiguous; the item-level one wins.
    all.keySet().removeAll(OipTensors.ITEM_OUTPUTS);
    all.put(OipTensors.DECISION, new Output(Kind.DECISION, -1));
    all.put(OipTensors.UNKNOWN, new Output(Kind.UNKNOWN, -1));
    all.put(OipTensors.OOD_SCORE, new Output(Kind.OOD_SCORE, -1));
    all.putIfAbsent(OipTensors.REASON, new Output(Kind.REASON, -1));
    List<String> members = manifest.unknown().memberNames();
    for (int i = 0; i < members.size(); i++) {
      all.putIfAbsent(members.get(i) + OipTensors.MEMBER_SCORE_SUFFIX, new Output(Kind.MEMBER_SCORE, i));
    }
    for (int h = 0; h < heads.size(); h++) {
      if (!heads.get(h).hasOwnPolicy()) continue;
      all.putIfAbsent(heads.get(h).name() + OipTensors.HEAD_REASON_SUFFIX, new Output(Kind.HEAD_REASON, h));
    }
    this.outputs = all;
  }

  /** Every output name, in the order ModelMetadata and an output-less request use. */
  List<String> names() {
    return List.copyOf(outputs.keySet());
  }

  /** The outputs a request asks for, in its order; all of them when it names none. */
  List<String> select(ModelInferRequest request) throws StatusException {
    if (request.getOutputsCount() == 0) return names();
    Set<String> chosen = new LinkedHashSet<>();
    for (InferRequestedOutputTensor out : request.getOutputsList()) {
      if (!outputs.containsKey(out.getName())) {
        throw OipInvalidRequest.of(
            "unknown output '" + out.getName() + "'; model '" + modelName + "' has outputs "
                + names());
      }
      if (!chosen.add(out.getName())) {
        throw OipInvalidRequest.of("output '" + out.getName() + "' is requested more than once");
      }
    }
    return List.copyOf(chosen);
  }

  List<TensorMetadata> metadata() {
    List<TensorMetadata> out = new ArrayList<>();
    for (var e : outputs.entrySet()) {
      TensorMetadata.Builder t = TensorMetadata.newBuilder().setName(e.getKey()).addShape(-1);
      Output o = e.getValue();
      switch (o.kind()) {
        case DECISION, REASON, HEAD_REASON -> t.setDatatype(OipTensors.BYTES);
        case UNKNOWN, HEAD_UNKNOWN -> t.setDatatype(OipTensors.BOOL);
        case OOD_SCORE, HEAD_OOD_SCORE, MEMBER_SCORE -> t.setDatatype(OipTensors.FP32);
        case PROBABILITIES ->
            t.setDatatype(OipTensors.FP32).addShape(heads.get(o.head()).labels().size());
      }
      out.add(t.build());
    }
    return out;
  }

  /** The head whose probabilities output is {@code name}, or null for any other output. */
  HeadSpec headOf(String name) {
    Output o = outputs.get(name);
    return o != null && o.kind() == Kind.PROBABILITIES ? heads.get(o.head()) : null;
  }

  /** The names of the heads' probabilities outputs. */
  List<String> headNames() {
    return outputs.entrySet().stream().filter(e -> e.getValue().kind() == Kind.PROBABILITIES)
        .map(Map.Entry::getKey).toList();
  }

  /**
   * Fills the selected outputs of {@code response} from the predictions (one per item, in
   * order). {@code raw} puts the data into raw_output_contents instead of typed contents.
   */
  void encode(
      List<String> selected, List<ItemPrediction> predictions, boolean raw,
      ModelInferResponse.Builder response) {
    encode(selected, predictions, raw, Map.of(), response);
  }

  /**
   * As above; the outputs in {@code topK} ({@link OipClassification#requested}) come back as
   * Triton classification strings instead of probabilities.
   */
  void encode(
      List<String> selected, List<ItemPrediction> predictions, boolean raw,
      Map<String, Integer> topK, ModelInferResponse.Builder response) {
    int n = predictions.size();
    for (String name : selected) {
      InferOutputTensor.Builder tensor = InferOutputTensor.newBuilder().setName(name).addShape(n);
      Output o = outputs.get(name);
      if (topK.containsKey(name)) {
        OipClassification.encode(tensor, heads.get(o.head()), o.head(), topK.get(name),
            predictions, raw, response);
        response.addOutputs(tensor);
        continue;
      }
      switch (o.kind()) {
        case DECISION, REASON, HEAD_REASON -> {
          List<ByteString> decisions = new ArrayList<>(n);
          for (ItemPrediction p : predictions) {
            decisions.add(ByteString.copyFrom(text(o, p), StandardCharsets.UTF_8));
          }
          tensor.setDatatype(OipTensors.BYTES);
          if (raw) response.addRawOutputContents(RawContents.encodeBytes(decisions));
          else tensor.setContents(InferTensorContents.newBuilder().addAllBytesContents(decisions));
        }
        case UNKNOWN, HEAD_UNKNOWN -> {
          boolean[] unknown = new boolean[n];
          for (int i = 0; i < n; i++) {
            ItemPrediction p = predictions.get(i);
            unknown[i] = o.kind() == Kind.UNKNOWN
                ? p.unknown() : p.heads().get(o.head()).ownUnknown().unknown();
          }
          tensor.setDatatype(OipTensors.BOOL);
          if (raw) {
            response.addRawOutputContents(RawContents.encodeBool(unknown));
          } else {
            InferTensorContents.Builder c = InferTensorContents.newBuilder();
            for (boolean u : unknown) c.addBoolContents(u);
            tensor.setContents(c);
          }
        }
        case OOD_SCORE, HEAD_OOD_SCORE, MEMBER_SCORE -> {
          float[] scores = new float[n];
          for (int i = 0; i < n; i++) {
            ItemPrediction p = predictions.get(i);
            scores[i] = switch (o.kind()) {
              case OOD_SCORE -> p.oodScore();
              case MEMBER_SCORE -> p.components().get(o.head()).score();
              default -> p.heads().get(o.head()).ownUnknown().oodScore();
            };
          }
          tensor.setDatatype(OipTensors.FP32);
          putFloats(tensor, scores, raw, response);
        }
        case PROBABILITIES -> {
          HeadSpec spec = heads.get(o.head());
          int headIndex = o.head();
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

  /** The text of a BYTES output for one item. */
  private static String text(Output o, ItemPrediction p) {
    return switch (o.kind()) {
      case REASON -> p.reason().wireName();
      case HEAD_REASON -> p.heads().get(o.head()).reason().wireName();
      default -> p.decision();
    };
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

  private static String labelsJson(HeadSpec head) {
    try {
      return JSON.writeValueAsString(head.labels());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
