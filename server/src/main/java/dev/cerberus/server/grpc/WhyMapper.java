package dev.cerberus.server.grpc;

import dev.cerberus.model.GateVerdict;
import dev.cerberus.model.ScoreComponent;
import dev.cerberus.model.bundle.BundleManifest;
import dev.cerberus.model.bundle.BundleManifest.GateSpec;
import dev.cerberus.proto.v1.DecisionInfo;
import dev.cerberus.proto.v1.Reason;
import java.util.ArrayList;
import java.util.List;

/**
 * cerberus.v1 messages of "why a result is what it is": the reason, the gate's verdict, a
 * fusion's members, and a model's decision order. Pure functions, apart from
 * {@link ProtoMapper} to keep that file small.
 */
final class WhyMapper {

  private WhyMapper() {}

  static Reason reason(dev.cerberus.model.Reason r) {
    return switch (r) {
      case GATE -> Reason.REASON_GATE;
      case THRESHOLD -> Reason.REASON_THRESHOLD;
      case CLASS -> Reason.REASON_CLASS;
    };
  }

  static dev.cerberus.proto.v1.GateVerdict gate(GateVerdict g) {
    return dev.cerberus.proto.v1.GateVerdict.newBuilder()
        .setHead(g.head())
        .setScore(g.score())
        .setThreshold(g.threshold())
        .setRejected(g.rejected())
        .build();
  }

  static List<dev.cerberus.proto.v1.ScoreComponent> components(List<ScoreComponent> parts) {
    List<dev.cerberus.proto.v1.ScoreComponent> out = new ArrayList<>(parts.size());
    for (ScoreComponent c : parts) {
      out.add(dev.cerberus.proto.v1.ScoreComponent.newBuilder()
          .setName(c.name()).setScore(c.score()).setContribution(c.contribution()).build());
    }
    return out;
  }

  static DecisionInfo decision(BundleManifest m) {
    DecisionInfo.Builder out = DecisionInfo.newBuilder()
        .addAllOrder(m.decision().orderOrDefault());
    GateSpec gate = m.decision().gate();
    if (gate != null) {
      out.setGateHead(gate.head()).setGateThreshold((float) gate.thresholdOrDefault());
    }
    return out.build();
  }
}
