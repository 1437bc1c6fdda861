package dev.cerberus.server.grpc;

import dev.cerberus.model.HeadPrediction;
import dev.cerberus.model.HeadUnknown;
import dev.cerberus.model.ItemPrediction;
import dev.cerberus.model.bundle.BundleManifest;
import dev.cerberus.model.bundle.BundleManifest.HeadSpec;
import dev.cerberus.model.input.ModelInput;
import dev.cerberus.proto.v1.BatchSizeCount;
import dev.cerberus.proto.v1.HeadInfo;
import dev.cerberus.proto.v1.InputSpec;
import dev.cerberus.proto.v1.Item;
import dev.cerberus.proto.v1.ItemError;
import dev.cerberus.proto.v1.ItemErrorCode;
import dev.cerberus.proto.v1.ItemResult;
import dev.cerberus.proto.v1.LabelProbability;
import dev.cerberus.proto.v1.ModelInfo;
import dev.cerberus.proto.v1.ModelStats;
import dev.cerberus.proto.v1.ModelSummary;
import dev.cerberus.proto.v1.Prediction;
import dev.cerberus.proto.v1.UnknownPolicyInfo;
import dev.cerberus.server.inference.ItemOutcome;
import dev.cerberus.server.inference.ServedModel;
import dev.cerberus.server.inference.VersionStats;
import io.grpc.Status;
import java.util.List;

/** cerberus.v1 messages <-> domain values. Pure functions, no state. */
final class ProtoMapper {

  private ProtoMapper() {}

  /** The item's input, or null when the item carries none (answered as a per-item error). */
  static ModelInput toInput(Item item) {
    return switch (item.getInputCase()) {
      case IMAGE -> new ModelInput.Image(item.getImage().toByteArray());
      case TEXT -> new ModelInput.Text(item.getText());
      case TENSOR -> new ModelInput.FloatTensor(
          item.getTensor().getShapeList().stream().mapToLong(Long::longValue).toArray(),
          toFloats(item.getTensor().getValuesList()));
      case INPUT_NOT_SET -> null;
    };
  }

  static final String NO_INPUT = "the item carries no input; set one of image, text or tensor";

  private static float[] toFloats(List<Float> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }

  static ItemResult toResult(String id, long index, ItemOutcome outcome, HeadSelection heads) {
    ItemResult.Builder result = ItemResult.newBuilder().setId(id).setIndex(index);
    if (outcome instanceof ItemOutcome.Predicted p) {
      result.setPrediction(toPrediction(p.prediction(), heads));
    } else if (outcome instanceof ItemOutcome.ItemFailure f) {
      result.setError(toError(f.code(), f.message()));
    }
    return result.build();
  }

  static ItemError toError(Status.Code code, String message) {
    ItemErrorCode wire = ItemErrorCode.forNumber(code.value());
    return ItemError.newBuilder()
        .setCode(wire == null ? ItemErrorCode.INTERNAL : wire)
        .setMessage(message)
        .build();
  }

  private static Prediction toPrediction(ItemPrediction p, HeadSelection heads) {
    Prediction.Builder out = Prediction.newBuilder()
        .setDecision(p.decision())
        .setUnknown(p.unknown())
        .setOodScore(p.oodScore())
        .setOodMethod(p.oodMethod())
        .setThreshold(p.threshold())
        .addAllAcceptedHeads(p.acceptedHeads())
        .setReason(WhyMapper.reason(p.reason()))
        .addAllOodComponents(WhyMapper.components(p.components()));
    if (p.gate() != null) {
      out.setGate(WhyMapper.gate(p.gate()));
    }
    List<HeadPrediction> all = p.heads();
    for (int h = 0; h < all.size(); h++) {
      if (!heads.includes(h)) {
        continue;
      }
      HeadPrediction head = all.get(h);
      dev.cerberus.proto.v1.HeadPrediction.Builder hp =
          dev.cerberus.proto.v1.HeadPrediction.newBuilder().setHead(head.head()).setLabel(head.label());
      for (int k = 0; k < head.labels().size(); k++) {
        hp.addProbabilities(LabelProbability.newBuilder()
            .setLabel(head.labels().get(k))
            .setProbability(head.probabilities()[k]));
      }
      if (head.hasOwnPolicy()) {
        HeadUnknown own = head.ownUnknown();
        hp.setOwnUnknown(dev.cerberus.proto.v1.HeadUnknown.newBuilder()
            .setUnknown(own.unknown())
            .setOodScore(own.oodScore())
            .setOodMethod(own.oodMethod())
            .setThreshold(own.threshold())
            .addAllComponents(WhyMapper.components(own.components())));
      }
      if (head.reason() != null) {
        hp.setReason(WhyMapper.reason(head.reason()));
      }
      out.addHeads(hp);
    }
    return out.build();
  }

  static ModelSummary toSummary(String name, List<ServedModel> versions) {
    BundleManifest newest = versions.get(0).manifest();
    ModelSummary.Builder out = ModelSummary.newBuilder()
        .setName(name)
        .setInputKind(nullToEmpty(newest.input().kind()));
    versions.forEach(v -> out.addVersions(v.version()));
    newest.heads().forEach(h -> out.addHeads(h.name()));
    newest.heads().stream().filter(HeadSpec::hasOwnPolicy)
        .forEach(h -> out.addUnknownPolicyHeads(h.name()));
    return out.build();
  }

  static ModelInfo toModelInfo(ServedModel model, List<ServedModel> versions) {
    BundleManifest m = model.manifest();
    ModelInfo.Builder out = ModelInfo.newBuilder()
        .setName(model.name())
        .setVersion(model.version())
        .setDescription(nullToEmpty(m.description()))
        .setInput(toInputSpec(m.input()))
        .setUnknownPolicy(toPolicy(m))
        .setStats(toStats(model.stats()))
        .putAllMetrics(m.numericMetrics())
        .setFeatureSize(model.featureSize())
        .setDecision(WhyMapper.decision(m));
    versions.forEach(v -> out.addVersions(v.version()));
    for (HeadSpec h : m.heads()) {
      HeadInfo.Builder head = HeadInfo.newBuilder()
          .setName(h.name()).setKind(nullToEmpty(h.kind())).addAllLabels(h.labels());
      if (HeadSpec.BINARY.equals(h.kind()) && !h.labels().isEmpty()) {
        head.setBaseLabel(h.labels().get(0));
      }
      if (h.hasOwnPolicy()) {
        head.setUnknownPolicy(toPolicy(h.unknown(), h.name()));
      }
      out.addHeads(head);
    }
    return out.build();
  }

  private static InputSpec toInputSpec(BundleManifest.InputSpec in) {
    InputSpec.Builder out = InputSpec.newBuilder().setKind(nullToEmpty(in.kind()));
    if (in.image() != null) {
      out.setImageWidth(orZero(in.image().width())).setImageHeight(orZero(in.image().height()));
    }
    if (in.text() != null) {
      out.setMaxTokens(orZero(in.text().maxTokens())).setPooling(nullToEmpty(in.text().pooling()));
    }
    if (in.tensor() != null && in.tensor().shape() != null) {
      for (long d : in.tensor().shape()) {
        out.addTensorShape(d);
      }
    }
    return out.build();
  }

  private static UnknownPolicyInfo toPolicy(BundleManifest m) {
    return toPolicy(m.unknown(), decisionHead(m));
  }

  /** A policy (top-level, or a head's own with {@code decisionHead} = that head). */
  private static UnknownPolicyInfo toPolicy(BundleManifest.UnknownPolicy p, String decisionHead) {
    UnknownPolicyInfo.Builder out = UnknownPolicyInfo.newBuilder()
        .setMethod(p.method())
        .setDecisionHead(decisionHead);
    if (p.threshold() != null) {
      out.setThreshold(p.threshold().floatValue());
    }
    if (p.calibratedTpr() != null) {
      out.setCalibratedTpr(p.calibratedTpr().floatValue());
    }
    return out.build();
  }

  /** The policy's head, else the first multiclass head, else the first head (docs/bundle.md). */
  private static String decisionHead(BundleManifest m) {
    if (m.unknown().head() != null) {
      return m.unknown().head();
    }
    return m.heads().stream().filter(h -> HeadSpec.MULTICLASS.equals(h.kind())).findFirst()
        .or(() -> m.heads().stream().findFirst()).map(HeadSpec::name).orElse("");
  }

  static ModelStats toStats(VersionStats s) {
    ModelStats.Builder out = ModelStats.newBuilder()
        .setForwardPasses(s.forwardPasses())
        .setItems(s.items())
        .setRejectedQueueFull(s.rejectedQueueFull())
        .setDroppedExpired(s.droppedExpired())
        .setDroppedCancelled(s.droppedCancelled())
        .setItemErrors(s.itemErrors())
        .setQueueDepth(s.queueDepth());
    long[] sizes = s.batchSizeCounts();
    for (int size = 1; size < sizes.length; size++) {
      if (sizes[size] > 0) {
        out.addBatchSizes(BatchSizeCount.newBuilder().setSize(size).setCount(sizes[size]));
      }
    }
    return out.build();
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }

  private static int orZero(Integer i) {
    return i == null ? 0 : i;
  }
}
