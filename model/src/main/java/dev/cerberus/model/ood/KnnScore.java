package dev.cerberus.model.ood;

/**
 * {@link OodMath#knn} with the bank stored feature-major ([F, N]) once per model, so an item's
 * cosines accumulate as one contiguous pass over the bank per non-zero feature instead of a
 * strided gather per bank row. Same terms in the same order (feature index ascending, in
 * double), so the same value as the reference; measured on the demo bundle (1,000 x 1,280
 * bank, 346 non-zero features per item): several times fewer nanoseconds per item.
 */
final class KnnScore {

  private final int n;
  private final int rows;
  private final int k;
  private final float[] byFeature; // [F, N]: byFeature[i * rows + r] = bank[r * n + i]

  KnnScore(float[] bank, int rows, int k) {
    if (rows < 1 || bank.length % rows != 0) {
      throw new IllegalArgumentException("bank of " + bank.length + " values is not " + rows + " rows");
    }
    if (k < 1 || k > rows) {
      throw new IllegalArgumentException("k = " + k + " is outside 1.." + rows + " (bank rows)");
    }
    this.rows = rows;
    this.n = bank.length / rows;
    this.k = k;
    this.byFeature = new float[bank.length];
    for (int r = 0; r < rows; r++) {
      for (int i = 0; i < n; i++) byFeature[i * rows + r] = bank[r * n + i];
    }
  }

  double score(float[] f) {
    double norm = 0;
    for (float v : f) norm += (double) v * v;
    norm = Math.sqrt(norm);
    if (norm == 0) return 1; // a zero vector is at cosine 0 from everything
    double[] dot = new double[rows];
    for (int i = 0; i < n; i++) {
      if (f[i] == 0f) continue;
      double fi = f[i];
      int off = i * rows;
      for (int r = 0; r < rows; r++) dot[r] += fi * byFeature[off + r];
    }
    for (int r = 0; r < rows; r++) dot[r] /= norm;
    return 1 - OodMath.kthLargest(dot, k);
  }
}
