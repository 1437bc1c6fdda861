package dev.cerberus.model.heads;

import java.util.List;

/**
 * The head arithmetic shared by the server and the trainer: logits from features through a
 * head's dense layers, and probabilities from logits. The graph computes the first layer of
 * all heads in one fused multiply; this class is the plain per-head reference it must equal.
 */
public final class HeadMath {

  private HeadMath() {}

  /** Logits [batch, outputs] of one head for features [batch, in] (row-major). */
  public static float[] logits(List<DenseLayer> layers, float[] features, int batch) {
    float[] x = features;
    for (DenseLayer layer : layers) x = layer.apply(x, batch);
    return x;
  }

  /** Logits of one item. */
  public static float[] logits(List<DenseLayer> layers, float[] features) {
    return logits(layers, features, 1);
  }

  /** Numerically stable softmax of {@code z[from, from+n)} into a new array. */
  public static float[] softmax(float[] z, int from, int n) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) max = Math.max(max, z[from + i]);
    double sum = 0;
    double[] e = new double[n];
    for (int i = 0; i < n; i++) {
      e[i] = Math.exp(z[from + i] - max);
      sum += e[i];
    }
    float[] p = new float[n];
    for (int i = 0; i < n; i++) p[i] = (float) (e[i] / sum);
    return p;
  }

  public static float[] softmax(float[] z) {
    return softmax(z, 0, z.length);
  }

  public static float sigmoid(float z) {
    return (float) (1 / (1 + Math.exp(-z)));
  }

  /**
   * Probabilities per label of a head from its logits: softmax for multiclass; for a binary
   * head (one logit) {@code [1 - p, p]} with {@code p = sigmoid(z)}.
   */
  public static float[] probabilities(boolean binary, float[] logits, int from, int n) {
    if (binary) {
      float p = sigmoid(logits[from]);
      return new float[] {1 - p, p};
    }
    return softmax(logits, from, n);
  }

  /** Index of the largest value (first on ties). */
  public static int argmax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
    return best;
  }
}
