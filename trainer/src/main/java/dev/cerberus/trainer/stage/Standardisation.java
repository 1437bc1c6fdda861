package dev.cerberus.trainer.stage;

/**
 * Per-feature mean and standard deviation over the rows one head trains on. Heads train on
 * standardised rows; the standardisation is folded into the head's first layer at export, so
 * the served head reads raw features.
 */
public record Standardisation(double[] mean, double[] std) {

  /** Smallest deviation: keeps always-zero ReLU features from blowing up their weights. */
  public static final double STD_FLOOR = 1e-2;

  /** Mean and (population) deviation over the rows with {@code used[i]}. */
  public static Standardisation fit(float[][] rows, boolean[] used, int width) {
    double[] mean = new double[width];
    double[] std = new double[width];
    int n = 0;
    for (int i = 0; i < rows.length; i++) {
      if (!used[i]) {
        continue;
      }
      n++;
      for (int j = 0; j < width; j++) {
        mean[j] += rows[i][j];
      }
    }
    for (int j = 0; j < width; j++) {
      mean[j] /= Math.max(n, 1);
    }
    for (int i = 0; i < rows.length; i++) {
      if (!used[i]) {
        continue;
      }
      for (int j = 0; j < width; j++) {
        std[j] += (rows[i][j] - mean[j]) * (rows[i][j] - mean[j]);
      }
    }
    for (int j = 0; j < width; j++) {
      std[j] = Math.max(Math.sqrt(std[j] / Math.max(n, 1)), STD_FLOOR);
    }
    return new Standardisation(mean, std);
  }

  /** {@code (x - mean) / std} for every row, in double. */
  public double[][] apply(float[][] rows) {
    double[][] x = new double[rows.length][];
    for (int i = 0; i < rows.length; i++) {
      double[] z = new double[mean.length];
      for (int j = 0; j < z.length; j++) {
        z[j] = (rows[i][j] - mean[j]) / std[j];
      }
      x[i] = z;
    }
    return x;
  }
}
