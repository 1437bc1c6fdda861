package dev.cerberus.model.ood;

/**
 * The formulas of docs/bundle.md "unknown", on plain arrays, in double precision. The scorers
 * delegate here; tests and the trainer can call them directly.
 */
public final class OodMath {

  private OodMath() {}

  /**
   * A binary head's single logit z as the two-class logits [0, z]: softmax([0, z]) is
   * [1 - sigmoid(z), sigmoid(z)], the probabilities the head reports.
   */
  static float[] asClasses(float[] logits) {
    return logits.length == 1 ? new float[] {0f, logits[0]} : logits;
  }

  /** {@code 1 - max_k softmax(z)_k} (binary heads: {@code 1 - max(p, 1 - p)}). */
  public static double maxSoftmax(float[] logits) {
    logits = asClasses(logits);
    double max = Double.NEGATIVE_INFINITY;
    for (float z : logits) max = Math.max(max, z);
    double sum = 0;
    for (float z : logits) sum += Math.exp(z - max);
    return 1 - 1 / sum; // the max element contributes exp(0) = 1
  }

  /** {@code -T * logsumexp(z / T)} (binary heads: over [0, z]). */
  public static double energy(float[] logits, double temperature) {
    logits = asClasses(logits);
    double max = Double.NEGATIVE_INFINITY;
    for (float z : logits) max = Math.max(max, z / temperature);
    double sum = 0;
    for (float z : logits) sum += Math.exp(z / temperature - max);
    return -temperature * (max + Math.log(sum));
  }

  /** {@code sigmoid(z)} of a binary gate head: the probability of "out". */
  public static double gate(float logit) {
    return 1 / (1 + Math.exp(-logit));
  }

  /** {@code min_k (f - mu_k)^T P (f - mu_k)}; {@code precision} is [F,F] row-major. */
  public static double mahalanobis(float[] f, float[][] means, float[] precision) {
    int n = f.length;
    double best = Double.POSITIVE_INFINITY;
    double[] d = new double[n];
    for (float[] mu : means) {
      for (int i = 0; i < n; i++) d[i] = f[i] - mu[i];
      double q = 0;
      for (int i = 0; i < n; i++) {
        double row = 0;
        int off = i * n;
        for (int j = 0; j < n; j++) row += precision[off + j] * d[j];
        q += d[i] * row;
      }
      best = Math.min(best, q);
    }
    return best;
  }

  /**
   * {@code 1 - cos(f, b_k)} for the k-th nearest row of an L2-normalised bank [N,F]
   * (row-major): the k-th largest cosine.
   */
  public static double knn(float[] f, float[] bank, int rows, int k) {
    int n = f.length;
    double norm = 0;
    for (float v : f) norm += (double) v * v;
    norm = Math.sqrt(norm);
    if (norm == 0) return 1; // a zero vector is at cosine 0 from everything
    // only the non-zero features contribute (pooled post-ReLU features are mostly zeros);
    // skipping exact zeros leaves every sum bit-for-bit the same
    int[] nz = new int[n];
    int m = 0;
    for (int i = 0; i < n; i++) if (f[i] != 0f) nz[m++] = i;
    double[] cos = new double[rows];
    for (int r = 0; r < rows; r++) {
      double dot = 0;
      int off = r * n;
      for (int a = 0; a < m; a++) dot += (double) f[nz[a]] * bank[off + nz[a]];
      cos[r] = dot / norm;
    }
    return 1 - kthLargest(cos, k);
  }

  /** The k-th largest value (k small, N may be large: one pass keeping a sorted top k). */
  static double kthLargest(double[] values, int k) {
    double[] top = new double[k];
    java.util.Arrays.fill(top, Double.NEGATIVE_INFINITY);
    for (double v : values) {
      if (v > top[k - 1]) {
        int i = k - 1;
        while (i > 0 && top[i - 1] < v) {
          top[i] = top[i - 1];
          i--;
        }
        top[i] = v;
      }
    }
    return top[k - 1];
  }
}
