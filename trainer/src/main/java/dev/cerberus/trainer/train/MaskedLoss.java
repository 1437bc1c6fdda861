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
        double x = z[0];
        double s = oeLambda / outliers;
        oe += s * (Math.max(x, 0) - 0.5 * x + Math.log(1 + Math.exp(-Math.abs(x))));
        grad[i][0] = s * (sigmoid(x) - 0.5);
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
