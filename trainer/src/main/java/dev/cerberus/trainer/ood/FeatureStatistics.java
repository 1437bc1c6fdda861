package dev.cerberus.trainer.ood;

import java.util.Random;

/**
 * Statistics of in-distribution training features for the feature-space scores: class means and
 * a shrunk shared covariance (Mahalanobis), and an L2-normalised bank (k-NN).
 */
public final class FeatureStatistics {

  private FeatureStatistics() {}

  /** Class means [K][F] of the rows with a label; a class without rows is an error. */
  public static float[][] classMeans(float[][] x, int[] labels, int classes) {
    int f = x[0].length;
    double[][] sum = new double[classes][f];
    int[] count = new int[classes];
    for (int i = 0; i < x.length; i++) {
      if (labels[i] < 0) {
        continue;
      }
      count[labels[i]]++;
      for (int j = 0; j < f; j++) {
        sum[labels[i]][j] += x[i][j];
      }
    }
    float[][] means = new float[classes][f];
    for (int c = 0; c < classes; c++) {
      if (count[c] == 0) {
        throw new IllegalArgumentException("class " + c + " has no training rows for its mean");
      }
      for (int j = 0; j < f; j++) {
        means[c][j] = (float) (sum[c][j] / count[c]);
      }
    }
    return means;
  }

  /**
   * The precision (inverse) of the shared within-class covariance, shrunk toward a scaled
   * identity: {@code (1 - a) S + a tr(S)/F I}; the shrinkage keeps it invertible when F is large
   * compared with the rows, as with 1280-d features and a few thousand images.
   */
  public static float[] sharedPrecision(float[][] x, int[] labels, float[][] means,
      double shrinkage) {
    int f = x[0].length;
    double[][] cov = new double[f][f];
    int n = 0;
    double[] d = new double[f];
    for (int i = 0; i < x.length; i++) {
      if (labels[i] < 0) {
        continue;
      }
      n++;
      float[] mu = means[labels[i]];
      for (int j = 0; j < f; j++) {
        d[j] = x[i][j] - mu[j];
      }
      for (int a = 0; a < f; a++) {
        double da = d[a];
        if (da == 0) {
          continue;
        }
        double[] row = cov[a];
        for (int b = a; b < f; b++) {
          row[b] += da * d[b];
        }
      }
    }
    double trace = 0;
    for (int a = 0; a < f; a++) {
      for (int b = a; b < f; b++) {
        cov[a][b] /= n;
        cov[b][a] = cov[a][b];
      }
      trace += cov[a][a];
    }
    double avg = trace / f;
    for (int a = 0; a < f; a++) {
      for (int b = 0; b < f; b++) {
        cov[a][b] *= 1 - shrinkage;
      }
      cov[a][a] += shrinkage * avg + 1e-9 * avg; // the tiny ridge guards a zero shrinkage
    }
    double[][] inv = Linear.inverseSpd(cov);
    float[] out = new float[f * f];
    for (int a = 0; a < f; a++) {
      for (int b = 0; b < f; b++) {
        out[a * f + b] = (float) inv[a][b];
      }
    }
    return out;
  }

  /** Up to {@code maxRows} rows (seeded sample), each scaled to unit length, row-major. */
  public static float[] normalisedBank(float[][] x, int maxRows, long seed, int[] rowsOut) {
    int n = x.length;
    int[] idx = new int[n];
    for (int i = 0; i < n; i++) {
      idx[i] = i;
    }
    if (n > maxRows) {
      Random r = new Random(seed);
      for (int i = n - 1; i > 0; i--) {
        int j = r.nextInt(i + 1);
        int t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
      }
      n = maxRows;
      java.util.Arrays.sort(idx, 0, n);
    }
    int f = x[0].length;
    float[] bank = new float[n * f];
    for (int r = 0; r < n; r++) {
      float[] v = x[idx[r]];
      double norm = 0;
      for (float a : v) {
        norm += (double) a * a;
      }
      norm = Math.sqrt(norm);
      for (int j = 0; j < f; j++) {
        bank[r * f + j] = norm == 0 ? 0 : (float) (v[j] / norm);
      }
    }
    rowsOut[0] = n;
    return bank;
  }
}
