package dev.cerberus.trainer.ood;

import dev.cerberus.trainer.eval.Metrics;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rule of {@code ood.serve: auto} with {@code ood.selection: loco}, on validation data only.
 * Near proxy: each candidate's leave-one-known-class-out scores ({@link LocoProxy}); its number
 * is the mean over the folds of the FPR at the target TPR (held-out class accepted at the
 * threshold accepting target_tpr of the other classes' validation items), ties by the mean
 * AUROC. Far constraint: the served model's scores on the held-out training outliers vs the
 * known validation items must reach {@code ood.loco.far_min_auroc}; when no candidate does,
 * those with the best far AUROC stay. Candidates: each single method and the z-scored
 * equal-weight mean of the best k singles by the near proxy, k = 2..n (a fusion's fold scores
 * are its members' fold scores z-scored on the fold's ID items, as the served fusion is
 * z-scored on the known validation items), so k is chosen on the proxy too. Among the
 * candidates that meet the constraint: lowest near FPR, then higher near AUROC, then fewer
 * members, then candidate order.
 */
public final class LocoChoice {

  /** The rule, as metrics.json and report.html state it. */
  public static final String RULE = "ood.selection: loco -- lowest mean FPR at target_tpr over"
      + " leave-one-known-class-out folds (each method refitted without the class; its"
      + " validation items are the OOD, the other classes' the ID), ties: higher mean AUROC,"
      + " then fewer members, then config order; only candidates whose AUROC on held-out training"
      + " outliers (ood.loco.far: unseen: the lower of the served model's and that of the methods"
      + " refitted without training outliers) reaches ood.loco.far_min_auroc (else the best such"
      + " AUROC); candidates: each"
      + " single method and the z-scored mean of the best k singles by the fold FPR (k >= 2)";

  /** The proxy name of the folds' means in {@link ServedChoice.Candidate#byProxy()}. */
  public static final String NEAR = "loco-near";

  /** Prefix of one fold's numbers in byProxy: {@code loco-<held-out class>}. */
  public static final String FOLD = "loco-";

  /** The proxy name of the far check on a refit without training outliers. */
  public static final String UNSEEN = "outliers-unseen";

  /**
   * The full model's scores of one single method, for the far constraint and fusion weights.
   *
   * @param knownVal on the known validation items
   * @param outliersVal on the held-out training outliers
   * @param unseenKnownVal with {@code ood.loco.far: unseen}: the method refitted without
   *     training outliers ({@link LocoProxy#withoutOutliers}) on the known validation items;
   *     null = not measured (the gate, or {@code far: served})
   * @param unseenOutliersVal the same refit on the held-out training outliers
   */
  public record Served(double[] knownVal, double[] outliersVal, double[] unseenKnownVal,
      double[] unseenOutliersVal) {
    public Served(double[] knownVal, double[] outliersVal) {
      this(knownVal, outliersVal, null, null);
    }
  }

  private LocoChoice() {}

  /**
   * Chooses among the singles (in config order) and their fusions.
   *
   * @param folds per single method, its fold scores ({@link LocoProxy#score})
   * @param served per single method, the full model's validation scores
   * @param classNames the known classes, for the per-fold names
   */
  public static ServedChoice.Choice choose(Map<String, List<LocoProxy.FoldScores>> folds,
      Map<String, Served> served, List<String> classNames, double targetTpr,
      double farMinAuroc) {
    List<ServedChoice.Candidate> singles = new ArrayList<>();
    for (String m : folds.keySet()) {
      singles.add(measure(List.of(m), folds, served, classNames, targetTpr));
    }
    List<ServedChoice.Candidate> ranked = new ArrayList<>(singles);
    ranked.sort(nearFirst());
    List<ServedChoice.Candidate> all = new ArrayList<>(singles);
    for (int k = 2; k <= ranked.size(); k++) {
      List<String> members = ranked.subList(0, k).stream().map(ServedChoice.Candidate::name)
          .toList();
      all.add(measure(members, folds, served, classNames, targetTpr));
    }
    double bestFar = all.stream().mapToDouble(LocoChoice::far).max().orElseThrow();
    double bar = Math.min(farMinAuroc, bestFar);
    ServedChoice.Candidate chosen = all.stream().filter(c -> far(c) >= bar).min(nearFirst())
        .orElseThrow();
    var any = served.values().iterator().next();
    return new ServedChoice.Choice(all, chosen, any.outliersVal().length,
        any.knownVal().length, targetTpr, RULE);
  }

  /** Lower near FPR, then higher near AUROC, then fewer members (stable: then given order). */
  static Comparator<ServedChoice.Candidate> nearFirst() {
    return Comparator.comparingDouble(ServedChoice.Candidate::fpr)
        .thenComparing(Comparator.comparingDouble(ServedChoice.Candidate::auroc).reversed())
        .thenComparingInt(c -> c.members().size());
  }

  /**
   * The candidate's far AUROC (held-out training outliers vs known validation): the served
   * model's, or with {@code far: unseen} the lower of it and the refit without outliers.
   */
  static double far(ServedChoice.Candidate c) {
    double served = c.byProxy().get(ServedChoice.OUTLIERS)[1];
    double[] unseen = c.byProxy().get(UNSEEN);
    return unseen == null ? served : Math.min(served, unseen[1]);
  }

  /** One candidate (one member = a single method) measured on every fold and on the far proxy. */
  static ServedChoice.Candidate measure(List<String> members,
      Map<String, List<LocoProxy.FoldScores>> folds, Map<String, Served> served,
      List<String> classNames, double targetTpr) {
    Map<String, double[]> by = new LinkedHashMap<>();
    int nFolds = folds.get(members.get(0)).size();
    double fpr = 0;
    double auroc = 0;
    Map<String, double[]> perFold = new LinkedHashMap<>();
    for (int f = 0; f < nFolds; f++) {
      int fi = f;
      List<LocoProxy.FoldScores> parts = members.stream().map(m -> folds.get(m).get(fi)).toList();
      List<double[]> id = parts.stream().map(LocoProxy.FoldScores::id).toList();
      double[] idFused = fuse(id, id);
      double[] oodFused = fuse(parts.stream().map(LocoProxy.FoldScores::ood).toList(), id);
      double fr = Metrics.fprAtTpr(idFused, oodFused, targetTpr);
      double au = Metrics.auroc(idFused, oodFused);
      fpr += fr / nFolds;
      auroc += au / nFolds;
      perFold.put(FOLD + classNames.get(parts.get(0).heldOut()), new double[] {fr, au});
    }
    by.put(NEAR, new double[] {fpr, auroc});
    List<double[]> known = members.stream().map(m -> served.get(m).knownVal()).toList();
    double[] kv = fuse(known, known);
    double[] ov = fuse(members.stream().map(m -> served.get(m).outliersVal()).toList(), known);
    by.put(ServedChoice.OUTLIERS, new double[] {Metrics.fprAtTpr(kv, ov, targetTpr),
        Metrics.auroc(kv, ov)});
    boolean unseenMeasured = served.values().stream().anyMatch(v -> v.unseenKnownVal() != null);
    if (unseenMeasured) {
      by.put(UNSEEN, unseen(members, served, targetTpr));
    }
    by.putAll(perFold);
    String name = members.size() == 1 ? members.get(0) : ServedChoice.fusionName(members);
    return new ServedChoice.Candidate(name, members, fpr, auroc, by);
  }

  /**
   * [fpr, auroc] of the members refitted without outliers, fused as served; members without such
   * a refit (the gate) are left out, and a candidate with none scores chance ([1, 0.5]): its
   * behaviour on an unseen far kind cannot be measured.
   */
  private static double[] unseen(List<String> members, Map<String, Served> served,
      double targetTpr) {
    List<String> m = members.stream().filter(x -> served.get(x).unseenKnownVal() != null)
        .toList();
    if (m.isEmpty()) {
      return new double[] {1, 0.5};
    }
    List<double[]> known = m.stream().map(x -> served.get(x).unseenKnownVal()).toList();
    double[] kv = fuse(known, known);
    double[] ov = fuse(m.stream().map(x -> served.get(x).unseenOutliersVal()).toList(), known);
    return new double[] {Metrics.fprAtTpr(kv, ov, targetTpr), Metrics.auroc(kv, ov)};
  }

  /**
   * The equal-weight mean of the parts, each z-scored with the mean and sample deviation of its
   * reference scores (as {@link OodFitter#fuse}); one part is returned as it is.
   */
  static double[] fuse(List<double[]> parts, List<double[]> reference) {
    if (parts.size() == 1) {
      return parts.get(0);
    }
    int n = parts.get(0).length;
    double[] out = new double[n];
    double w = 1.0 / parts.size();
    for (int p = 0; p < parts.size(); p++) {
      double[] r = reference.get(p);
      double mu = 0;
      for (double v : r) {
        mu += v;
      }
      mu /= r.length;
      double var = 0;
      for (double v : r) {
        var += (v - mu) * (v - mu);
      }
      double sd = Math.max(Math.sqrt(var / Math.max(r.length - 1, 1)), 1e-12);
      for (int i = 0; i < n; i++) {
        out[i] += w * (parts.get(p)[i] - mu) / sd;
      }
    }
    return out;
  }
}
