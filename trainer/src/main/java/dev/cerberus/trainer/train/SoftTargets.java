package dev.cerberus.trainer.train;

/**
 * Supervision of one head beyond hard labels: per row an optional soft target and a sample
 * weight. Hard labels stay in {@link TrainingSet#labels()}; a row carries a hard label or a soft
 * target, never both.
 *
 * <p>A soft target has the shape of the head's logit row: binary heads one value, the target
 * probability of the positive class in [0,1]; multiclass heads K values, a distribution (each in
 * [0,1], summing to 1). A weight is finite and >= 0; weight 0 makes the row exactly a masked row.
 *
 * @param soft per row a target or null (the row's hard label, if any, applies); null = none
 * @param weights per row sample weight (applies to hard and soft rows); null = all 1
 * @param pseudo per row true when its label or target is a pseudo-label, not a real one; such
 *     rows are left out of the balanced class-weight counts (see JointTrainer#classWeights);
 *     null = none
 */
public record SoftTargets(double[][] soft, double[] weights, boolean[] pseudo) {

  /** Hard labels only, unweighted: the path of a plain masked-loss run. */
  public static final SoftTargets NONE = new SoftTargets(null, null, null);

  private static final double SUM_TOLERANCE = 1e-6;

  public SoftTargets {
    if (weights != null) {
      for (int i = 0; i < weights.length; i++) {
        if (!(weights[i] >= 0) || Double.isInfinite(weights[i])) {
          throw new IllegalArgumentException("weight of row " + i + " must be finite and >= 0, got "
              + weights[i]);
        }
      }
    }
    if (soft != null) {
      for (int i = 0; i < soft.length; i++) {
        if (soft[i] != null) {
          checkTarget(i, soft[i]);
        }
      }
    }
  }

  /** Real soft targets and weights (no pseudo-labels). */
  public SoftTargets(double[][] soft, double[] weights) {
    this(soft, weights, null);
  }

  private static void checkTarget(int row, double[] q) {
    double sum = 0;
    for (double v : q) {
      if (!(v >= 0 && v <= 1)) {
        throw new IllegalArgumentException("soft target of row " + row + " must lie in [0,1], got "
            + v);
      }
      sum += v;
    }
    if (q.length > 1 && Math.abs(sum - 1) > SUM_TOLERANCE) {
      throw new IllegalArgumentException("soft target of row " + row + " must sum to 1, got "
          + sum);
    }
  }

  /** True when this adds nothing to hard labels (the trainer then runs today's exact path). */
  public boolean none() {
    return soft == null && weights == null && pseudo == null;
  }

  /** Whether a row's supervision is a pseudo-label. */
  public boolean pseudo(int row) {
    return pseudo != null && pseudo[row];
  }

  /** The soft target of a row, or null. */
  public double[] target(int row) {
    return soft == null ? null : soft[row];
  }

  /** The sample weight of a row (1 when no weights are given). */
  public double weight(int row) {
    return weights == null ? 1.0 : weights[row];
  }

  /** The rows {@code order[from..to)} of this, for one mini-batch. */
  public SoftTargets slice(int[] order, int from, int to) {
    double[][] s = soft == null ? null : new double[to - from][];
    double[] w = weights == null ? null : new double[to - from];
    boolean[] p = pseudo == null ? null : new boolean[to - from];
    for (int j = from; j < to; j++) {
      if (p != null) {
        p[j - from] = pseudo[order[j]];
      }
      if (s != null) {
        s[j - from] = soft[order[j]];
      }
      if (w != null) {
        w[j - from] = weights[order[j]];
      }
    }
    return new SoftTargets(s, w, p);
  }
}
