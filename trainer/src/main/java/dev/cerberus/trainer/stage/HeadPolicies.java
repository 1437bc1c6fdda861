package dev.cerberus.trainer.stage;

import dev.cerberus.model.bundle.BundleManifest.UnknownPolicy;
import dev.cerberus.trainer.ood.FittedScore;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link HeadPolicyStage}'s output: per config head (not the gate), its own calibrated unknown
 * policy ({@code heads[].unknown}); empty without {@code ood.per_head}.
 */
public record HeadPolicies(List<HeadPolicy> heads) {

  public HeadPolicies {
    heads = List.copyOf(heads);
  }

  public static HeadPolicies none() {
    return new HeadPolicies(List.of());
  }

  public boolean isEmpty() {
    return heads.isEmpty();
  }

  /** The policy of {@code head}, or null when it has none. */
  public HeadPolicy of(String head) {
    return heads.stream().filter(h -> h.head().equals(head)).findFirst().orElse(null);
  }

  /**
   * One head's own policy.
   *
   * @param head the head's name
   * @param index the head's index (task order, as in the bundle)
   * @param fitted the fitted scorer (statistics files keyed by their top-level style path,
   *     {@code ood/...}; the bundle stores them under {@code heads/<head>/unknown/})
   * @param policy the policy with threshold and target filled in
   * @param scores its scores on every held-out set (all rows; higher = more unknown)
   * @param threshold accepts {@code targetTpr} of the head's labelled validation rows
   * @param validationTpr the share of those rows it accepts
   */
  public record HeadPolicy(String head, int index, FittedScore fitted, UnknownPolicy policy,
      Map<SetId, double[]> scores, double threshold, double validationTpr) {

    public HeadPolicy {
      scores = Collections.unmodifiableMap(new LinkedHashMap<>(scores));
    }

    public String method() {
      return policy.method();
    }

    public double[] of(SetId set) {
      return scores.get(set);
    }

    /** The head accepts an item when its score is at most the threshold (docs/bundle.md). */
    public boolean accepts(SetId set, int item) {
      return scores.get(set)[item] <= threshold;
    }
  }
}
