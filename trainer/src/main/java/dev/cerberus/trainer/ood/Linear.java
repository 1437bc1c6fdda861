package dev.cerberus.trainer.ood;

/** Dense symmetric positive-definite inverse by Cholesky; enough for F up to a few thousand. */
final class Linear {

  private Linear() {}

  static double[][] inverseSpd(double[][] a) {
    int n = a.length;
    double[][] l = new double[n][n];
    for (int j = 0; j < n; j++) {
      double s = a[j][j];
      double[] lj = l[j];
      for (int k = 0; k < j; k++) {
        s -= lj[k] * lj[k];
      }
      if (s <= 0) {
        throw new IllegalStateException("covariance is not positive definite (raise "
            + "ood.mahalanobis_shrinkage)");
      }
      lj[j] = Math.sqrt(s);
      for (int i = j + 1; i < n; i++) {
        double[] li = l[i];
        double t = a[i][j];
        for (int k = 0; k < j; k++) {
          t -= li[k] * lj[k];
        }
        li[j] = t / lj[j];
      }
    }
    // inverse of L (lower triangular), then A^-1 = L^-T L^-1
    double[][] li = new double[n][n];
    for (int i = 0; i < n; i++) {
      li[i][i] = 1 / l[i][i];
      for (int j = 0; j < i; j++) {
        double s = 0;
        for (int k = j; k < i; k++) {
          s -= l[i][k] * li[k][j];
        }
        li[i][j] = s / l[i][i];
      }
    }
    double[][] inv = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j <= i; j++) {
        double s = 0;
        for (int k = i; k < n; k++) {
          s += li[k][i] * li[k][j];
        }
        inv[i][j] = s;
        inv[j][i] = s;
      }
    }
    return inv;
  }
}
