package dev.cerberus.trainer.ood;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.cerberus.trainer.eval.Metrics;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
 * With {@code ood.auto_mixup}, a second "out" proxy joins the held-out outliers: rows mixed
 * between two known validation rows of different classes in feature space (near-OOD lies
 * between the known classes; letters do not), and FPR and AUROC are the means over the proxies.
 */
public final class ServedChoice {

  /** The value of {@code ood.serve} that asks for this rule. */
  public static final String AUTO = "auto";

  /** The name of the chosen decision in scores, thresholds and metrics.json. */
  public static final String SERVED = "auto";

  /** The rule, as metrics.json and report.html state it. */
  public static final String RULE = "lowest FPR on held-out training outliers at target_tpr of"
      + " known validation items; ties: higher AUROC, then fewer members, then config order;"
      + " candidates: each single method and the z-scored mean of the best k singles (k >= 2);"
      + " with ood.auto_mixup, FPR and AUROC are means over held-out outliers and mixup rows;"
      + " ood.auto_ties: ensemble puts more members first among equals";

  /** The proxy name of the held-out training outliers. */
  public static final String OUTLIERS = "outliers-val";

  /** The proxy name of the rows mixed between known validation rows ({@code ood.auto_mixup}). */
  public static final String MIXUP = "mixup-val";

  /**
   * One candidate's validation numbers.
   *
   * @param name a method name, or {@code fusion(a+b+...)} for a fusion candidate
   * @param members the single methods it scores with (one for a single method)
   * @param fpr "out" proxy items accepted at the threshold accepting target_tpr of known val
   *     (the mean over the proxies)
   * @param auroc known validation vs the proxies (the mean over the proxies)
   * @param byProxy per proxy ({@link #OUTLIERS}, {@link #MIXUP}): [fpr, auroc]
   */
  public record Candidate(String name, List<String> members, double fpr, double auroc,
      Map<String, double[]> byProxy) {
    public Candidate {
      members = List.copyOf(members);
      byProxy = Collections.unmodifiableMap(new LinkedHashMap<>(byProxy));
    }

    /** A candidate measured on the held-out outliers alone. */
    public Candidate(String name, List<String> members, double fpr, double auroc) {
      this(name, members, fpr, auroc, Map.of(OUTLIERS, new double[] {fpr, auroc}));
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
   * @param rule the rule as metrics.json and report.html state it ({@link #RULE} or
   *     {@link LocoChoice#RULE}, by {@code ood.selection})
   */
  public record Choice(List<Candidate> candidates, Candidate chosen, int heldOutOutliers,
      int knownValidation, double targetTpr, String rule) {
    public Choice {
      candidates = List.copyOf(candidates);
    }

    /** A choice by the held-out-outliers rule ({@link #RULE}). */
    public Choice(List<Candidate> candidates, Candidate chosen, int heldOutOutliers,
        int knownValidation, double targetTpr) {
      this(candidates, chosen, heldOutOutliers, knownValidation, targetTpr, RULE);
    }
  }

  /**
   * What wins a tie in FPR and AUROC ({@code ood.auto_ties}): the candidate with fewer members
   * ({@code simpler}, default) or with more ({@code ensemble}: when the proxy cannot tell the
   * candidates apart, e.g. held-out letters that every outlier-trained score rejects, the
   * ensemble hedges against the unseen OOD).
   */
  public enum Ties {
    @JsonProperty("simpler") SIMPLER,
    @JsonProperty("ensemble") ENSEMBLE
  }

  /** Better first: the rule as a comparator (stable sorts keep candidate order for full ties). */
  public static final Comparator<Candidate> BETTER_FIRST = betterFirst(Ties.SIMPLER);

  /** The rule with the given tie-break on member count. */
  public static Comparator<Candidate> betterFirst(Ties ties) {
    Comparator<Candidate> size = Comparator.comparingInt(c -> c.members().size());
    return Comparator.comparingDouble(Candidate::fpr)
        .thenComparing(Comparator.comparingDouble(Candidate::auroc).reversed())
        .thenComparing(ties == Ties.ENSEMBLE ? size.reversed() : size);
  }

  private ServedChoice() {}

  /** One candidate's numbers from its scores (higher = more unknown), held-out outliers only. */
  public static Candidate measure(String name, List<String> members, double[] knownVal,
      double[] heldOutOutliers, double targetTpr) {
    return measure(name, members, knownVal, Map.of(OUTLIERS, heldOutOutliers), targetTpr);
  }

  /** One candidate's numbers on every "out" proxy, and their means (what the rule compares). */
  public static Candidate measure(String name, List<String> members, double[] knownVal,
      Map<String, double[]> proxies, double targetTpr) {
    Map<String, double[]> by = new LinkedHashMap<>();
    double fpr = 0;
    double auroc = 0;
    for (var e : proxies.entrySet()) {
      if (knownVal.length == 0 || e.getValue().length == 0) {
        throw new IllegalArgumentException("ood.serve: auto needs known validation items and "
            + e.getKey() + " items (held-out training outliers; got " + knownVal.length + " and "
            + e.getValue().length + ")");
      }
      double f = Metrics.fprAtTpr(knownVal, e.getValue(), targetTpr);
      double a = Metrics.auroc(knownVal, e.getValue());
      by.put(e.getKey(), new double[] {f, a});
      fpr += f / proxies.size();
      auroc += a / proxies.size();
    }
    return new Candidate(name, members, fpr, auroc, by);
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
    return choose(candidates, heldOut, knownVal, targetTpr, Ties.SIMPLER);
  }

  /** The same with the given tie-break ({@code ood.auto_ties}). */
  public static Choice choose(List<Candidate> candidates, int heldOut, int knownVal,
      double targetTpr, Ties ties) {
    if (candidates.isEmpty()) {
      throw new IllegalArgumentException("ood.serve: auto has no candidate method");
    }
    List<Candidate> sorted = new ArrayList<>(candidates);
    sorted.sort(betterFirst(ties));
    return new Choice(candidates, sorted.get(0), heldOut, knownVal, targetTpr);
  }
}
