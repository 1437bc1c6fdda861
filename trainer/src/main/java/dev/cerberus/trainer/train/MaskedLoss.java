package dev.cerberus.trainer.train;

/**
 * The per-task loss of one head over a batch, with its gradient with respect to the logits.
 *
 * <p>A row whose label is {@link #NO_LABEL} adds nothing to the loss and gets an exactly zero
 * gradient: the row is skipped, never multiplied by a zero mask (0 x NaN would still poison the
 * sum). The supervised part is the class-weighted mean over the task's own labelled rows, so a
 * task with few labels in a batch weighs as much as one with many. Outlier rows (heads with
 * outlier exposure) add {@code lambda * mean(CE(uniform, softmax(z)))}; for a binary head that
 * is binary cross-entropy to the target 0.5 ({@code softplus(x) - x/2}), the same value as the
 * two-class softmax on {@code [0, x]}: p = 0.5 for base and positive alike, so several "base
 * vs X" heads can all say "none of these".
 */
public final class MaskedLoss {

  public static final int NO_LABEL = -1;

  /** Loss value and d(loss)/d(logits), same shape as the logits. */
  public record Value(double loss, double supervised, double outlier, int labelled,
      double[][] gradient) {}

  private MaskedLoss() {}

  /**
   * @param binary one logit per row (BCE) or K logits (softmax cross-entropy)
   * @param logits [n][1] or [n][K]
   * @param labels per row: class index, or {@link #NO_LABEL}
   * @param classWeights per class (binary: [base, positive])
   * @param outlier per row: true for an outlier-exposure row (unlabelled); may be null
   * @param oeLambda weight of the outlier term
   */
  public static Value compute(boolean binary, double[][] logits, int[] labels,
      double[] classWeights, boolean[] outlier, double oeLambda) {
    int n = logits.length;
    double[][] grad = new double[n][];
    double weightSum = 0;
    int labelled = 0;
    int outliers = 0;
    for (int i = 0; i < n; i++) {
      grad[i] = new double[logits[i].length];
      if (labels[i] != NO_LABEL) {
        weightSum += classWeights[labels[i]];
        labelled++;
      } else if (outlier != null && outlier[i]) {
        outliers++;
      }
    }
    double sup = 0;
    double oe = 0;
    for (int i = 0; i < n; i++) {
      double[] z = logits[i];
      if (labels[i] != NO_LABEL) {
        double w = classWeights[labels[i]] / weightSum;
        if (binary) {
          double y = labels[i];
          double x = z[0];
          // softplus(x) - y x, stable for any x
          sup += w * (Math.max(x, 0) - y * x + Math.log(1 + Math.exp(-Math.abs(x))));
          grad[i][0] = w * (sigmoid(x) - y);
        } else {
          double lse = logSumExp(z);
          sup += w * (lse - z[labels[i]]);
          for (int k = 0; k < z.length; k++) {
            grad[i][k] = w * Math.exp(z[k] - lse);
          }
          grad[i][labels[i]] -= w;
        }
      } else if (outliers > 0 && outlier[i] && binary) {
        oe += binaryOutlierTerm(z[0], oeLambda / outliers, grad[i]);
      } else if (outliers > 0 && outlier[i]) {
        double lse = logSumExp(z);
        double mean = 0;
        for (double v : z) {
          mean += v;
        }
        mean /= z.length;
        double s = oeLambda / outliers;
        oe += s * (lse - mean);
        for (int k = 0; k < z.length; k++) {
          grad[i][k] = s * (Math.exp(z[k] - lse) - 1.0 / z.length);
        }
      }
    }
    return new Value(sup + oe, sup, oe, labelled, grad);
  }

  /**
   * The masked loss with soft targets and per-row sample weights ({@link SoftTargets}).
   *
   * <p>A row is supervised when it has a hard label or a soft target and a weight other than 0;
   * a row of weight 0 is treated exactly as a {@link #NO_LABEL} row (skipped, zero gradient;
   * outlier exposure still reads it if it is an outlier row). The supervised part is
   * {@code sum_i s_i c_i l_i / sum_i s_i c_i}, with {@code s_i} the sample weight, {@code c_i}
   * the class weight expected under the target ({@code sum_k q_k cw_k}; {@code cw[y]} for a hard
   * label) and {@code l_i} the cross-entropy to the target: binary
   * {@code softplus(x) - t x}, multiclass {@code logsumexp(z) - sum_k q_k z_k}. Its gradient is
   * exact: {@code w (sigmoid(x) - t)} and {@code w (softmax(z)_k - q_k)}.
   *
   * <p>Zero entries of a target are skipped rather than multiplied, so a one-hot target (or
   * t = 0 / 1) gives bit for bit the loss and gradient of the same hard label.
   *
   * @param targets per row of this batch: soft targets and weights ({@link SoftTargets#NONE}
   *     gives the hard-label loss)
   */
  public static Value compute(boolean binary, double[][] logits, int[] labels,
      SoftTargets targets, double[] classWeights, boolean[] outlier, double oeLambda) {
    int n = logits.length;
    double[][] grad = new double[n][];
    double[] rowWeight = new double[n]; // s_i c_i
    boolean[] supervised = new boolean[n];
    double weightSum = 0;
    int labelled = 0;
    int outliers = 0;
    for (int i = 0; i < n; i++) {
      grad[i] = new double[logits[i].length];
      double[] q = targets.target(i);
      if (q != null && labels[i] != NO_LABEL) {
        throw new IllegalArgumentException("row " + i + " has both a hard label and a soft target");
      }
      if (q != null && q.length != logits[i].length) {
        throw new IllegalArgumentException("row " + i + ": a soft target has one value per logit ("
            + logits[i].length + "), got " + q.length);
      }
      double s = targets.weight(i);
      if ((labels[i] != NO_LABEL || q != null) && s != 0) {
        supervised[i] = true;
        rowWeight[i] = s * (q == null ? classWeights[labels[i]] : expectedWeight(binary, q,
            classWeights));
        weightSum += rowWeight[i];
        labelled++;
      } else if (outlier != null && outlier[i]) {
        outliers++;
      }
    }
    double sup = 0;
    double oe = 0;
    for (int i = 0; i < n; i++) {
      double[] z = logits[i];
      if (supervised[i]) {
        double w = rowWeight[i] / weightSum;
        double[] q = targets.target(i);
        if (binary) {
          double t = q == null ? labels[i] : q[0];
          double x = z[0];
          sup += w * (Math.max(x, 0) - t * x + Math.log(1 + Math.exp(-Math.abs(x))));
          grad[i][0] = w * (sigmoid(x) - t);
        } else {
          double lse = logSumExp(z);
          double dot = q == null ? z[labels[i]] : 0;
          for (int k = 0; q != null && k < z.length; k++) {
            if (q[k] != 0) {
              dot += q[k] * z[k];
            }
          }
          sup += w * (lse - dot);
          for (int k = 0; k < z.length; k++) {
            grad[i][k] = w * Math.exp(z[k] - lse);
          }
          if (q == null) {
            grad[i][labels[i]] -= w;
          } else {
            for (int k = 0; k < z.length; k++) {
              if (q[k] != 0) {
                grad[i][k] -= w * q[k];
              }
            }
          }
        }
      } else if (outliers > 0 && outlier[i]) {
        oe += binary ? binaryOutlierTerm(z[0], oeLambda / outliers, grad[i])
            : outlierTerm(z, oeLambda / outliers, grad[i]);
      }
    }
    return new Value(sup + oe, sup, oe, labelled, grad);
  }

  /** {@code sum_k q_k cw_k}, zero entries skipped (one-hot gives cw[y] exactly). */
  private static double expectedWeight(boolean binary, double[] q, double[] classWeights) {
    double[] dist = binary ? new double[] {1 - q[0], q[0]} : q;
    double c = 0;
    for (int k = 0; k < dist.length; k++) {
      if (dist[k] != 0) {
        c += dist[k] * classWeights[k];
      }
    }
    return c;
  }

  /** {@code s * CE(uniform, softmax(z))}, its gradient written into {@code grad}. */
  private static double outlierTerm(double[] z, double s, double[] grad) {
    double lse = logSumExp(z);
    double mean = 0;
    for (double v : z) {
      mean += v;
    }
    mean /= z.length;
    for (int k = 0; k < z.length; k++) {
      grad[k] = s * (Math.exp(z[k] - lse) - 1.0 / z.length);
    }
    return s * (lse - mean);
  }

  /** {@code s * BCE(0.5, sigmoid(x)) = s (softplus(x) - x/2)}, its gradient into {@code grad}. */
  private static double binaryOutlierTerm(double x, double s, double[] grad) {
    grad[0] = s * (sigmoid(x) - 0.5);
    return s * (Math.max(x, 0) - 0.5 * x + Math.log(1 + Math.exp(-Math.abs(x))));
  }

  static double logSumExp(double[] z) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : z) {
      max = Math.max(max, v);
    }
    double s = 0;
    for (double v : z) {
      s += Math.exp(v - max);
    }
    return max + Math.log(s);
  }

  static double sigmoid(double x) {
    return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
  }
}
