package dev.cerberus.trainer.weak;

import dev.cerberus.trainer.train.MaskedLoss;
import dev.cerberus.trainer.train.SoftTargets;

/**
 * Cross-labelling: a head's own probabilities on the rows it has no real label for (the other
 * tasks' data) become its supervision there. Pure arithmetic on arrays, no training.
 *
 * <p>Real labels always win: a row with a real label keeps it, weight 1, whatever the head
 * predicts. Rows that are not eligible (outliers) and rows the mode leaves unlabelled stay
 * masked.
 *
 * <p>Confidence weight: binary {@code 4 (p - 0.5)^2}; multiclass
 * {@code ((K c - 1) / (K - 1))^2} with {@code c = max_k p_k}, the confidence the hard threshold
 * reads. It is 0 at the uniform distribution and 1 at a one-hot one, and for K = 2 it is exactly
 * {@code (2 max(p, 1-p) - 1)^2 = 4 (p - 0.5)^2}, so a two-class multiclass head weighs its rows
 * as a binary head does. Threshold and weight read the same number, so a threshold t means the
 * same least weight {@code ((K t - 1)/(K - 1))^2} in hard mode for every row of a head; the
 * rest of the distribution is what a hard label throws away anyway. Rejected: normalised
 * {@code 1 - H(p)/log K} does not reduce to the binary rule (0.53 at p = 0.9 where the rule
 * gives 0.64); the normalised Gini purity {@code (K sum p^2 - 1)/(K - 1)} does, but rates
 * {.5, .45, .05} (a coin flip between two classes) above {.5, .25, .25}.
 */
public final class CrossLabeller {

  private CrossLabeller() {}

  /**
   * One head's view of the training rows.
   *
   * @param binary a binary head (probabilities {@code [1 - p, p]}) or a multiclass one
   * @param probabilities per row the head's class probabilities ({@code HeadMath.probabilities}
   *     order); may be null for rows that are not eligible
   * @param realLabels per row the real label or {@link MaskedLoss#NO_LABEL}
   */
  public record HeadScores(boolean binary, double[][] probabilities, int[] realLabels) {
    public HeadScores {
      if (probabilities.length != realLabels.length) {
        throw new IllegalArgumentException("probabilities and labels: one per row, got "
            + probabilities.length + " and " + realLabels.length);
      }
    }
  }

  /**
   * One head's supervision for the union training.
   *
   * @param labels real labels, plus the pseudo-labels in hard mode
   * @param targets soft targets (soft mode), weights (confidence weighting) and which rows are
   *     pseudo-labelled; NONE when no row got a pseudo-label and weighting is off (training then
   *     takes the plain hard-label path)
   * @param real rows with a real label
   * @param pseudo rows given a pseudo-label (hard or soft) of weight above 0
   * @param masked eligible rows without a real label that stay masked
   * @param meanPseudoWeight mean weight of the pseudo-labels (NaN without any)
   */
  public record PseudoLabels(int[] labels, SoftTargets targets, int real, int pseudo,
      int masked, double meanPseudoWeight) {}

  /**
   * Pseudo-labels for one head.
   *
   * @param eligible rows that may receive a pseudo-label (in-distribution rows, not outliers)
   */
  public static PseudoLabels label(HeadScores head, boolean[] eligible,
      WeakSupervisionSettings settings) {
    int n = head.realLabels().length;
    int[] labels = head.realLabels().clone();
    boolean soft = settings.mode() == PseudoLabelMode.SOFT;
    double[][] targets = soft ? new double[n][] : null;
    double[] weights = settings.confidenceWeighting() ? filled(n, 1.0) : null;
    boolean[] isPseudo = new boolean[n];
    int real = 0;
    int pseudo = 0;
    int masked = 0;
    double weightSum = 0;
    for (int i = 0; i < n; i++) {
      if (labels[i] != MaskedLoss.NO_LABEL) {
        real++;
        continue;
      }
      if (!eligible[i]) {
        continue;
      }
      double[] p = head.probabilities()[i];
      double w = settings.confidenceWeighting() ? confidenceWeight(head.binary(), p) : 1.0;
      boolean take = soft ? w > 0 : confidence(p) >= settings.threshold();
      if (!take) {
        masked++;
        continue;
      }
      if (soft) {
        targets[i] = head.binary() ? new double[] {p[1]} : normalised(p);
      } else {
        labels[i] = argmax(p);
      }
      if (weights != null) {
        weights[i] = w;
      }
      isPseudo[i] = true;
      pseudo++;
      weightSum += w;
    }
    SoftTargets st = pseudo == 0 && weights == null ? SoftTargets.NONE
        : new SoftTargets(targets, weights, isPseudo);
    return new PseudoLabels(labels, st, real, pseudo, masked,
        pseudo == 0 ? Double.NaN : weightSum / pseudo);
  }

  /** The head's real labels alone: what a head that is not a source trains on. */
  public static PseudoLabels realOnly(int[] realLabels, boolean[] eligible) {
    int real = 0;
    int masked = 0;
    for (int i = 0; i < realLabels.length; i++) {
      if (realLabels[i] != MaskedLoss.NO_LABEL) {
        real++;
      } else if (eligible[i]) {
        masked++;
      }
    }
    return new PseudoLabels(realLabels.clone(), SoftTargets.NONE, real, 0, masked, Double.NaN);
  }

  /** {@code max_k p_k}: for a binary head {@code max(p, 1 - p)}. */
  public static double confidence(double[] p) {
    return p[argmax(p)];
  }

  /**
   * Binary: {@code 4 (p - 0.5)^2} with p = P(positive) = {@code probabilities[1]}; multiclass:
   * {@code ((K max_k p_k - 1) / (K - 1))^2} (see the class comment for why).
   */
  public static double confidenceWeight(boolean binary, double[] p) {
    if (binary) {
      double d = p[1] - 0.5;
      return 4 * d * d;
    }
    int k = p.length;
    // float probabilities can sum a hair off 1: keep the margin in [0,1]
    double m = Math.min(1, Math.max(0, (k * confidence(p) - 1) / (k - 1)));
    return m * m;
  }

  /** First index of the largest value (as HeadMath.argmax). */
  static int argmax(double[] p) {
    int best = 0;
    for (int k = 1; k < p.length; k++) {
      if (p[k] > p[best]) {
        best = k;
      }
    }
    return best;
  }

  /** The row rescaled to sum to 1 in double (float softmax sums drift with K). */
  private static double[] normalised(double[] p) {
    double s = 0;
    for (double v : p) {
      s += v;
    }
    double[] q = new double[p.length];
    for (int k = 0; k < p.length; k++) {
      q[k] = Math.min(1, Math.max(0, p[k] / s));
    }
    return q;
  }

  private static double[] filled(int n, double v) {
    double[] a = new double[n];
    java.util.Arrays.fill(a, v);
    return a;
  }
}
