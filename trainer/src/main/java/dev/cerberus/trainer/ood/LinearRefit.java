package dev.cerberus.trainer.ood;

/**
 * A linear softmax head refitted on cached features for one leave-one-class-out fold
 * ({@code ood.selection: loco}): the decision head without the held-out class (for max softmax
 * and energy) or the gate (known rows vs training outliers). The recipe follows the trainer's
 * heads where it matters for the scores: rows standardised over the rows it trains on,
 * class-balanced cross-entropy, the outlier-exposure term (cross-entropy to the uniform
 * distribution, weight {@code oeLambda}) on the training outliers, L2 weight decay. Full-batch
 * Adam for a fixed number of steps ({@code ood.loco.head_steps}) instead of epochs with early
 * stopping: a fold is a proxy, refitted in seconds.
 */
public final class LinearRefit {

  /** Adam moments' decay rates (the usual defaults). */
  private static final double B1 = 0.9;
  private static final double B2 = 0.999;

  /**
   * How to fit.
   *
   * @param steps full-batch Adam steps
   * @param learningRate Adam step size (on standardised rows)
   * @param weightDecay L2 penalty {@code wd/2 ||W||^2}
   * @param oeLambda weight of the outlier-exposure term (0 = none)
   */
  public record Settings(int steps, double learningRate, double weightDecay, double oeLambda) {}

  /** The fitted head: raw features in, logits out (the standardisation folded in). */
  public record Head(double[][] w, double[] b) {
    public float[] logits(float[] x) {
      float[] z = new float[w.length];
      for (int c = 0; c < w.length; c++) {
        double s = b[c];
        double[] wc = w[c];
        for (int j = 0; j < wc.length; j++) {
          s += wc[j] * x[j];
        }
        z[c] = (float) s;
      }
      return z;
    }
  }

  private LinearRefit() {}

  /**
   * Fits {@code classes} outputs on labelled rows {@code x} (labels 0..classes-1) with the
   * outlier-exposure term on {@code outliers} (may be empty).
   */
  public static Head fit(float[][] x, int[] y, int classes, float[][] outliers, Settings s) {
    int f = x[0].length;
    int n = x.length;
    int m = s.oeLambda() > 0 ? outliers.length : 0;
    double[] mean = new double[f];
    double[] std = new double[f];
    standardisation(x, m > 0 ? outliers : new float[0][], mean, std);
    double[][] xs = scale(x, mean, std);
    double[][] os = scale(m > 0 ? outliers : new float[0][], mean, std);
    double[] cw = balanced(y, classes);
    double wsum = 0;
    for (int l : y) {
      wsum += cw[l];
    }
    double[][] w = new double[classes][f];
    double[] b = new double[classes];
    double[][] mw = new double[classes][f];
    double[][] vw = new double[classes][f];
    double[] mb = new double[classes];
    double[] vb = new double[classes];
    double[] z = new double[classes];
    for (int step = 1; step <= s.steps(); step++) {
      double[][] gw = new double[classes][f];
      double[] gb = new double[classes];
      for (int i = 0; i < n; i++) {
        softmax(w, b, xs[i], z);
        z[y[i]] -= 1;
        accumulate(gw, gb, xs[i], z, cw[y[i]] / wsum);
      }
      for (int i = 0; i < m; i++) {
        softmax(w, b, os[i], z);
        for (int c = 0; c < classes; c++) {
          z[c] -= 1.0 / classes; // d/dz of cross-entropy to the uniform distribution
        }
        accumulate(gw, gb, os[i], z, s.oeLambda() / m);
      }
      double c1 = 1 - Math.pow(B1, step);
      double c2 = 1 - Math.pow(B2, step);
      for (int c = 0; c < classes; c++) {
        for (int j = 0; j < f; j++) {
          double g = gw[c][j] + s.weightDecay() * w[c][j];
          mw[c][j] = B1 * mw[c][j] + (1 - B1) * g;
          vw[c][j] = B2 * vw[c][j] + (1 - B2) * g * g;
          w[c][j] -= s.learningRate() * (mw[c][j] / c1) / (Math.sqrt(vw[c][j] / c2) + 1e-8);
        }
        mb[c] = B1 * mb[c] + (1 - B1) * gb[c];
        vb[c] = B2 * vb[c] + (1 - B2) * gb[c] * gb[c];
        b[c] -= s.learningRate() * (mb[c] / c1) / (Math.sqrt(vb[c] / c2) + 1e-8);
      }
    }
    // fold the standardisation in: w (x - mu) / sd + b = (w / sd) x + (b - sum w mu / sd)
    double[][] wr = new double[classes][f];
    double[] br = b.clone();
    for (int c = 0; c < classes; c++) {
      for (int j = 0; j < f; j++) {
        wr[c][j] = w[c][j] / std[j];
        br[c] -= wr[c][j] * mean[j];
      }
    }
    return new Head(wr, br);
  }

  private static void softmax(double[][] w, double[] b, double[] x, double[] z) {
    double max = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < w.length; c++) {
      double s = b[c];
      double[] wc = w[c];
      for (int j = 0; j < x.length; j++) {
        s += wc[j] * x[j];
      }
      z[c] = s;
      max = Math.max(max, s);
    }
    double sum = 0;
    for (int c = 0; c < z.length; c++) {
      z[c] = Math.exp(z[c] - max);
      sum += z[c];
    }
    for (int c = 0; c < z.length; c++) {
      z[c] /= sum;
    }
  }

  private static void accumulate(double[][] gw, double[] gb, double[] x, double[] dz, double k) {
    for (int c = 0; c < gw.length; c++) {
      double d = dz[c] * k;
      if (d == 0) {
        continue;
      }
      gb[c] += d;
      double[] g = gw[c];
      for (int j = 0; j < x.length; j++) {
        g[j] += d * x[j];
      }
    }
  }

  /** Class weights n / (K n_k), as {@code class_weighting: balanced}. */
  private static double[] balanced(int[] y, int classes) {
    double[] count = new double[classes];
    for (int l : y) {
      count[l]++;
    }
    double[] w = new double[classes];
    for (int c = 0; c < classes; c++) {
      w[c] = count[c] == 0 ? 0 : y.length / (classes * count[c]);
    }
    return w;
  }

  private static void standardisation(float[][] a, float[][] b, double[] mean, double[] std) {
    int n = a.length + b.length;
    for (float[][] rows : new float[][][] {a, b}) {
      for (float[] r : rows) {
        for (int j = 0; j < mean.length; j++) {
          mean[j] += r[j] / (double) n;
        }
      }
    }
    for (float[][] rows : new float[][][] {a, b}) {
      for (float[] r : rows) {
        for (int j = 0; j < std.length; j++) {
          std[j] += (r[j] - mean[j]) * (r[j] - mean[j]) / n;
        }
      }
    }
    for (int j = 0; j < std.length; j++) {
      std[j] = Math.max(Math.sqrt(std[j]), 1e-2); // as trainer.stage.Standardisation.STD_FLOOR
    }
  }

  private static double[][] scale(float[][] x, double[] mean, double[] std) {
    double[][] out = new double[x.length][];
    for (int i = 0; i < x.length; i++) {
      double[] r = new double[mean.length];
      for (int j = 0; j < r.length; j++) {
        r[j] = (x[i][j] - mean[j]) / std[j];
      }
      out[i] = r;
    }
    return out;
  }
}
