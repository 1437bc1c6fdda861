package dev.cerberus.model.graph;

import dev.cerberus.model.GateVerdict;
import dev.cerberus.model.HeadUnknown;
import dev.cerberus.model.Reason;
import dev.cerberus.model.ScoreComponent;
import dev.cerberus.model.bundle.Bundle;
import dev.cerberus.model.bundle.BundleManifest;
import dev.cerberus.model.bundle.BundleManifest.GateSpec;
import dev.cerberus.model.bundle.BundleManifest.HeadSpec;
import dev.cerberus.model.bundle.BundleManifest.UnknownPolicy;
import dev.cerberus.model.ood.FusionScore;
import dev.cerberus.model.ood.OodMath;
import dev.cerberus.model.ood.OodScorer;
import dev.cerberus.model.ood.OodScorers;
import java.util.ArrayList;
import java.util.List;

/**
 * The unknown decisions of a bundle: the gate step, the top-level policy and every head's own
 * policy, each scored on the features of its feature source (a head's policy reads its head's
 * features unless its {@code features} says {@code shared} or names a top file; the top-level
 * policy reads the shared features), ordered by the
 * bundle's decision order ({@link DecisionCascade}): without a declared order, unknown when
 * the top-level policy rejects the item, or when heads have their own policies and none of
 * them accepts it.
 */
final class UnknownPolicies {

  /** One compiled policy; {@code members} names a fusion's members (empty otherwise). */
  private record Compiled(
      OodScorer scorer, String method, float threshold, int source, boolean features,
      List<String> members) {

    static Compiled of(OodScorer scorer, UnknownPolicy p, int source) {
      boolean none = UnknownPolicy.NONE.equals(p.method()) || p.threshold() == null;
      return new Compiled(scorer, p.method(), none ? 0f : p.threshold().floatValue(), source,
          OodScorers.needsFeatures(p), p.memberNames());
    }

    HeadUnknown verdict(float[][] features, float[][] logits) {
      float[] f = features[source];
      if (scorer instanceof FusionScore fusion) {
        double[] parts = fusion.memberScores(f, logits);
        List<ScoreComponent> components = new ArrayList<>(parts.length);
        for (int i = 0; i < parts.length; i++) {
          components.add(new ScoreComponent(
              members.get(i), (float) parts[i], (float) fusion.term(i, parts[i])));
        }
        float score = (float) fusion.fuse(parts);
        return new HeadUnknown(score > threshold, score, method, threshold, components);
      }
      float score = (float) scorer.score(f, logits);
      return new HeadUnknown(score > threshold, score, method, threshold);
    }
  }

  /** The verdicts for one item and the reasons the decision order gives them. */
  record Verdict(
      HeadUnknown top, HeadUnknown[] heads, GateVerdict gate, boolean unknown, Reason reason,
      Reason[] headReasons) {}

  private final Compiled top;
  private final Compiled[] heads; // null for heads without their own policy
  private final int gateHead; // -1 without a gate step
  private final String gateName;
  private final float gateThreshold;
  private final DecisionCascade cascade;

  /**
   * @param policySource per head, the feature source its own policy reads (0 = shared; a
   *     policy's {@code features} decides: {@link FeatureSources})
   */
  UnknownPolicies(Bundle bundle, int[] policySource) {
    BundleManifest m = bundle.manifest();
    this.top = Compiled.of(OodScorers.fromBundle(bundle), m.unknown(), 0);
    this.heads = new Compiled[m.heads().size()];
    for (int h = 0; h < heads.length; h++) {
      HeadSpec head = m.heads().get(h);
      if (head.hasOwnPolicy()) {
        heads[h] = Compiled.of(OodScorers.forHead(bundle, h), head.unknown(), policySource[h]);
      }
    }
    GateSpec gate = m.decision().gate();
    this.gateHead = gate == null ? -1 : m.headIndex(gate.head());
    this.gateName = gate == null ? null : gate.head();
    this.gateThreshold = gate == null ? 0f : (float) gate.thresholdOrDefault();
    this.cascade = new DecisionCascade(bundle.decisionOrder());
  }

  /** Whether the features of {@code source} must be copied out of the engine for scoring. */
  boolean needsFeatures(int source) {
    if (source == 0 && top.features()) return true;
    for (Compiled c : heads) {
      if (c != null && c.source() == source && c.features()) return true;
    }
    return false;
  }

  /**
   * @param features per feature source, the item's feature row (null where not needed)
   * @param logits per head, the item's logits
   */
  Verdict decide(float[][] features, float[][] logits) {
    HeadUnknown t = top.verdict(features, logits);
    HeadUnknown[] own = new HeadUnknown[heads.length];
    for (int h = 0; h < heads.length; h++) {
      if (heads[h] != null) own[h] = heads[h].verdict(features, logits);
    }
    GateVerdict gate = gateHead < 0
        ? null
        : new GateVerdict(gateName, (float) OodMath.gate(logits[gateHead][0]), gateThreshold);
    DecisionCascade.Outcome o = cascade.decide(gate, t, own);
    return new Verdict(t, own, gate, o.unknown(), o.reason(), o.headReasons());
  }
}
