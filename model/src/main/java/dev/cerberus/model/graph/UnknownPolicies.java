package dev.cerberus.model.graph;

import dev.cerberus.model.HeadUnknown;
import dev.cerberus.model.bundle.Bundle;
import dev.cerberus.model.bundle.BundleManifest;
import dev.cerberus.model.bundle.BundleManifest.HeadSpec;
import dev.cerberus.model.bundle.BundleManifest.UnknownPolicy;
import dev.cerberus.model.ood.OodScorer;
import dev.cerberus.model.ood.OodScorers;

/**
 * The unknown decisions of a bundle: the top-level policy and every head's own policy, each
 * scored on the features of its feature source (a head with its own top reads
 * {@code top_own(trunk(x))}; the top-level policy reads the shared features), and the overall
 * verdict of docs/bundle.md: unknown when the top-level policy rejects the item, or when heads
 * have their own policies and none of them accepts it.
 */
final class UnknownPolicies {

  /** One compiled policy. */
  private record Compiled(OodScorer scorer, String method, float threshold, int source, boolean features) {

    static Compiled of(OodScorer scorer, UnknownPolicy p, int source) {
      boolean none = UnknownPolicy.NONE.equals(p.method()) || p.threshold() == null;
      return new Compiled(scorer, p.method(), none ? 0f : p.threshold().floatValue(), source,
          OodScorers.needsFeatures(p));
    }

    HeadUnknown verdict(float[][] features, float[][] logits) {
      float score = (float) scorer.score(features[source], logits);
      return new HeadUnknown(score > threshold, score, method, threshold);
    }
  }

  /** The verdicts for one item. */
  record Verdict(HeadUnknown top, HeadUnknown[] heads, boolean unknown) {}

  private final Compiled top;
  private final Compiled[] heads; // null for heads without their own policy
  private final boolean anyHeadPolicy;

  /** @param sourceOf per head, the feature source it reads (0 = shared) */
  UnknownPolicies(Bundle bundle, int[] sourceOf) {
    BundleManifest m = bundle.manifest();
    this.top = Compiled.of(OodScorers.fromBundle(bundle), m.unknown(), 0);
    this.heads = new Compiled[m.heads().size()];
    boolean any = false;
    for (int h = 0; h < heads.length; h++) {
      HeadSpec head = m.heads().get(h);
      if (head.hasOwnPolicy()) {
        heads[h] = Compiled.of(OodScorers.forHead(bundle, h), head.unknown(), sourceOf[h]);
        any = true;
      }
    }
    this.anyHeadPolicy = any;
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
    boolean accepted = false;
    for (int h = 0; h < heads.length; h++) {
      if (heads[h] == null) continue;
      own[h] = heads[h].verdict(features, logits);
      accepted |= own[h].accepted();
    }
    // "none of these": only meaningful when some head can accept
    boolean unknown = t.unknown() || (anyHeadPolicy && !accepted);
    return new Verdict(t, own, unknown);
  }
}
