package dev.cerberus.trainer.eval;

import java.util.Arrays;

/**
 * Classification and OOD metrics on plain arrays. OOD scores are "higher = more unknown";
 * OOD items are the positives of the AUROC; FPR95 is the fraction of OOD items accepted at the
 * threshold that accepts 95% of the in-distribution items.
 */
public final class Metrics {

  private Metrics() {}

  public static int[][] confusion(int[] truth, int[] predicted, int classes) {
    int[][] m = new int[classes][classes];
    for (int i = 0; i < truth.length; i++) {
      m[truth[i]][predicted[i]]++;
    }
    return m;
  }

  public static double accuracy(int[] truth, int[] predicted) {
    int ok = 0;
    for (int i = 0; i < truth.length; i++) {
      ok += truth[i] == predicted[i] ? 1 : 0;
    }
    return truth.length == 0 ? Double.NaN : (double) ok / truth.length;
  }

  /** Unweighted mean of per-class F1; a class never true nor predicted is left out. */
  public static double macroF1(int[] truth, int[] predicted, int classes) {
    int[][] m = confusion(truth, predicted, classes);
    double sum = 0;
    int counted = 0;
    for (int c = 0; c < classes; c++) {
      int tp = m[c][c];
      int fn = 0;
      int fp = 0;
      for (int k = 0; k < classes; k++) {
        if (k != c) {
          fn += m[c][k];
          fp += m[k][c];
        }
      }
      if (tp + fn + fp == 0) {
        continue;
      }
      sum += 2.0 * tp / (2.0 * tp + fn + fp);
      counted++;
    }
    return counted == 0 ? Double.NaN : sum / counted;
  }

  /**
   * Area under the ROC curve for "positive scores higher than negative": the Mann-Whitney
   * statistic with ties counted one half.
   */
  public static double auroc(double[] negatives, double[] positives) {
    int n = negatives.length;
    int p = positives.length;
    double[][] all = new double[n + p][];
    for (int i = 0; i < n; i++) {
      all[i] = new double[] {negatives[i], 0};
    }
    for (int i = 0; i < p; i++) {
      all[n + i] = new double[] {positives[i], 1};
    }
    Arrays.sort(all, (a, b) -> Double.compare(a[0], b[0]));
    double rankSumPos = 0;
    for (int i = 0; i < all.length; ) {
      int j = i;
      while (j < all.length && all[j][0] == all[i][0]) {
        j++;
      }
      double avgRank = (i + 1 + j) / 2.0; // ranks i+1..j
      for (int k = i; k < j; k++) {
        if (all[k][1] == 1) {
          rankSumPos += avgRank;
        }
      }
      i = j;
    }
    return (rankSumPos - p * (p + 1) / 2.0) / ((double) n * p);
  }

  /**
   * The smallest threshold t (an observed ID score) such that at least {@code tpr} of the
   * in-distribution scores are {@code <= t}; items with score > t are "unknown".
   */
  public static double thresholdAtTpr(double[] inDistribution, double tpr) {
    double[] s = inDistribution.clone();
    Arrays.sort(s);
    int need = (int) Math.ceil(tpr * s.length - 1e-9);
    return s[Math.max(need, 1) - 1];
  }

  /** Fraction of scores accepted (<= threshold). */
  public static double acceptedFraction(double[] scores, double threshold) {
    int a = 0;
    for (double v : scores) {
      a += v <= threshold ? 1 : 0;
    }
    return scores.length == 0 ? Double.NaN : (double) a / scores.length;
  }

  /** OOD items accepted when 95% of the in-distribution items are accepted. */
  public static double fprAtTpr(double[] inDistribution, double[] ood, double tpr) {
    return acceptedFraction(ood, thresholdAtTpr(inDistribution, tpr));
  }

  /** ROC points (FPR, TPR) with OOD as positive, for plotting; starts at (0,0), ends at (1,1). */
  public static double[][] rocCurve(double[] negatives, double[] positives) {
    double[] thresholds = new double[negatives.length + positives.length];
    System.arraycopy(negatives, 0, thresholds, 0, negatives.length);
    System.arraycopy(positives, 0, thresholds, negatives.length, positives.length);
    Arrays.sort(thresholds);
    double[] neg = negatives.clone();
    double[] pos = positives.clone();
    Arrays.sort(neg);
    Arrays.sort(pos);
    int steps = Math.min(thresholds.length, 400);
    double[] fpr = new double[steps + 2];
    double[] tprs = new double[steps + 2];
    for (int s = 0; s < steps; s++) {
      double t = thresholds[(int) ((long) (thresholds.length - 1) * (steps - 1 - s) / Math.max(steps - 1, 1))];
      fpr[s + 1] = above(neg, t);
      tprs[s + 1] = above(pos, t);
    }
    fpr[steps + 1] = 1;
    tprs[steps + 1] = 1;
    return new double[][] {fpr, tprs};
  }

  private static double above(double[] sorted, double t) {
    int idx = Arrays.binarySearch(sorted, t);
    int firstAbove;
    if (idx < 0) {
      firstAbove = -idx - 1;
    } else {
      firstAbove = idx;
      while (firstAbove < sorted.length && sorted[firstAbove] <= t) {
        firstAbove++;
      }
    }
    return (double) (sorted.length - firstAbove) / sorted.length;
  }
}
