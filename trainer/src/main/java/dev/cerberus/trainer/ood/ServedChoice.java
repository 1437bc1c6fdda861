package dev.cerberus.trainer.ood;

import dev.cerberus.trainer.eval.Metrics;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The rule that chooses the served unknown decision under {@code ood.serve: auto}, on
 * validation data only: the known-class validation items ("in") and the held-out part of the
 * training outliers ("out", never a gradient step: trainer/README.md "Choosing the served
 * decision"). The evaluation OOD sets are not an input here, so they cannot be tuned to.
 *
 * <p>Candidates: every single method, then the fusions (z-scored equal-weight mean, as
 * {@link OodFitter#fuse}) of the best k singles for k = 2..n, singles ranked by the rule itself.
 * The rule: lowest validation FPR at the target TPR (outliers accepted at the threshold that
 * accepts {@code target_tpr} of the known validation items), ties by higher validation AUROC,
 * then fewer members (a simpler decision), then candidate order (config order, singles first).
 */
public final class ServedChoice {

  /** The value of {@code ood.serve} that asks for this rule. */
  public static final String AUTO = "auto";

  /** The name of the chosen decision in scores, thresholds and metrics.json. */
  public static final String SERVED = "auto";

  /** The rule, as metrics.json and report.html state it. */
  public static final String RULE = "lowest FPR on held-out training outliers at target_tpr of"
      + " known validation items; ties: higher AUROC, then fewer members, then config order;"
      + " candidates: each single method and the z-scored mean of the best k singles (k >= 2)";

  /**
   * One candidate's validation numbers.
   *
   * @param name a method name, or {@code fusion(a+b+...)} for a fusion candidate
   * @param members the single methods it scores with (one for a single method)
   * @param fpr held-out outliers accepted at the threshold accepting target_tpr of known val
   * @param auroc known validation vs held-out outliers
   */
  public record Candidate(String name, List<String> members, double fpr, double auroc) {
    public Candidate {
      members = List.copyOf(members);
    }

    public boolean isFusion() {
      return members.size() > 1;
    }
  }

  /**
   * The choice: every candidate in candidate order, and the one chosen.
   *
   * @param heldOutOutliers held-out outlier items it was chosen on
   * @param knownValidation known-class validation items it was chosen on
   */
  public record Choice(List<Candidate> candidates, Candidate chosen, int heldOutOutliers,
      int knownValidation, double targetTpr) {
    public Choice {
      candidates = List.copyOf(candidates);
    }
  }

  /** Better first: the rule as a comparator (stable sorts keep candidate order for full ties). */
  public static final Comparator<Candidate> BETTER_FIRST = Comparator
      .comparingDouble(Candidate::fpr)
      .thenComparing(Comparator.comparingDouble(Candidate::auroc).reversed())
      .thenComparingInt(c -> c.members().size());

  private ServedChoice() {}

  /** One candidate's numbers from its scores (higher = more unknown). */
  public static Candidate measure(String name, List<String> members, double[] knownVal,
      double[] heldOutOutliers, double targetTpr) {
    if (knownVal.length == 0 || heldOutOutliers.length == 0) {
      throw new IllegalArgumentException("ood.serve: auto needs known validation items and held-out"
          + " training outliers (got " + knownVal.length + " and " + heldOutOutliers.length + ")");
    }
    return new Candidate(name, members, Metrics.fprAtTpr(knownVal, heldOutOutliers, targetTpr),
        Metrics.auroc(knownVal, heldOutOutliers));
  }

  /** The singles ranked by the rule, and from them the member lists of the fusion candidates. */
  public static List<List<String>> fusionsOfBest(List<Candidate> singles) {
    List<Candidate> ranked = new ArrayList<>(singles);
    ranked.sort(BETTER_FIRST);
    List<List<String>> out = new ArrayList<>();
    for (int k = 2; k <= ranked.size(); k++) {
      out.add(ranked.subList(0, k).stream().map(Candidate::name).toList());
    }
    return out;
  }

  /** The name of the fusion candidate of these members. */
  public static String fusionName(List<String> members) {
    return "fusion(" + String.join("+", members) + ")";
  }

  /** The best candidate by the rule; the first of equals. */
  public static Choice choose(List<Candidate> candidates, int heldOut, int knownVal,
      double targetTpr) {
    if (candidates.isEmpty()) {
      throw new IllegalArgumentException("ood.serve: auto has no candidate method");
    }
    List<Candidate> sorted = new ArrayList<>(candidates);
    sorted.sort(BETTER_FIRST);
    return new Choice(candidates, sorted.get(0), heldOut, knownVal, targetTpr);
  }
}
