package dev.cerberus.model.ood;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Each OOD method against a direct, deliberately naive computation of its formula. */
class OodScorersTest {

  private final Random rnd = new Random(3);

  private float[] randn(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = (float) rnd.nextGaussian();
    return v;
  }

  @Test
  void maxSoftmaxIsOneMinusTheLargestProbability() {
    float[] z = {1f, 3f, -2f, 0.5f};
    double sum = 0;
    for (float v : z) sum += Math.exp(v);
    double expected = 1 - Math.exp(3) / sum;
    assertThat(OodScorers.maxSoftmax(1).score(null, new float[][] {{9f}, z})).isCloseTo(expected, within(1e-9));
    // large logits must not overflow
    assertThat(OodMath.maxSoftmax(new float[] {1000f, 1000f})).isCloseTo(0.5, within(1e-12));
  }

  @Test
  void energyIsMinusTLogSumExpOfZOverT() {
    float[] z = {1f, 3f, -2f};
    for (double t : new double[] {1, 2.5}) {
      double s = 0;
      for (float v : z) s += Math.exp(v / t);
      assertThat(OodScorers.energy(0, t).score(null, new float[][] {z})).isCloseTo(-t * Math.log(s), within(1e-9));
    }
  }

  @Test
  void binaryDecisionHeadsScoreTheirTwoProbabilities() {
    float z = 1.3f;
    double p = 1 / (1 + Math.exp(-z));
    assertThat(OodMath.maxSoftmax(new float[] {z})).isCloseTo(1 - Math.max(p, 1 - p), within(1e-9));
    assertThat(OodMath.energy(new float[] {z}, 1)).isCloseTo(-Math.log(1 + Math.exp(z)), within(1e-9));
  }

  @Test
  void gateIsTheSigmoidOfTheGateHead() {
    assertThat(OodScorers.gate(1).score(null, new float[][] {{5f, 5f}, {0.3f}}))
        .isCloseTo(1 / (1 + Math.exp(-(double) 0.3f)), within(1e-12));
  }

  @Test
  void mahalanobisIsTheSmallestQuadraticForm() {
    int f = 5;
    float[][] means = {randn(f), randn(f), randn(f)};
    float[] p = new float[f * f];
    for (int i = 0; i < f; i++) for (int j = 0; j < f; j++) p[i * f + j] = (i == j ? 2f : 0f) + 0.1f * (i + j);
    float[] x = randn(f);
    double best = Double.MAX_VALUE;
    for (float[] mu : means) {
      double q = 0;
      for (int i = 0; i < f; i++) for (int j = 0; j < f; j++) q += (x[i] - mu[i]) * p[i * f + j] * (x[j] - mu[j]);
      best = Math.min(best, q);
    }
    assertThat(OodScorers.mahalanobis(means, p).score(x, null)).isCloseTo(best, within(1e-6));
  }

  @Test
  void expandedMahalanobisEqualsTheDirectFormOnSparseAndDenseFeatures() {
    java.util.Random rnd = new java.util.Random(7);
    int f = 64;
    float[][] means = new float[4][f];
    for (float[] mu : means) for (int i = 0; i < f; i++) mu[i] = (float) Math.abs(rnd.nextGaussian());
    // a symmetric positive definite precision: A^T A + I
    double[][] a = new double[f][f];
    for (double[] row : a) for (int j = 0; j < f; j++) row[j] = rnd.nextGaussian() / Math.sqrt(f);
    float[] p = new float[f * f];
    for (int i = 0; i < f; i++) {
      for (int j = 0; j < f; j++) {
        double v = i == j ? 1 : 0;
        for (int k = 0; k < f; k++) v += a[k][i] * a[k][j];
        p[i * f + j] = (float) v;
      }
    }
    OodScorer fast = OodScorers.mahalanobis(means, p);
    for (double zeros : new double[] {0, 0.72, 1}) {
      for (int t = 0; t < 20; t++) {
        float[] x = new float[f];
        for (int i = 0; i < f; i++) x[i] = rnd.nextDouble() < zeros ? 0f : (float) Math.abs(rnd.nextGaussian());
        if (t == 0) x = means[2].clone(); // at a class mean the distance is 0 (cancellation)
        double direct = OodMath.mahalanobis(x, means, p);
        assertThat(fast.score(x, null)).as("zeros %s, item %d", zeros, t)
            .isCloseTo(direct, within(1e-7 * Math.max(1, Math.abs(direct)) + 1e-6)); // the direct form subtracts in float
      }
    }
  }

  @Test
  void featureMajorKnnEqualsTheReferenceExactly() {
    java.util.Random rnd = new java.util.Random(11);
    int f = 48, n = 200;
    float[] bank = new float[n * f];
    for (int r = 0; r < n; r++) {
      double norm = 0;
      for (int i = 0; i < f; i++) {
        bank[r * f + i] = rnd.nextDouble() < 0.7 ? 0f : (float) Math.abs(rnd.nextGaussian());
        norm += bank[r * f + i] * bank[r * f + i];
      }
      for (int i = 0; i < f; i++) bank[r * f + i] /= (float) Math.max(Math.sqrt(norm), 1e-12);
    }
    for (int k : new int[] {1, 5, n}) {
      OodScorer fast = OodScorers.knn(bank, n, k);
      for (int t = 0; t < 30; t++) {
        float[] x = new float[f];
        for (int i = 0; i < f; i++) x[i] = rnd.nextDouble() < 0.72 ? 0f : (float) Math.abs(rnd.nextGaussian());
        assertThat(fast.score(x, null)).isEqualTo(OodMath.knn(x, bank, n, k));
      }
      assertThat(fast.score(new float[f], null)).isEqualTo(1.0);
    }
    assertThatThrownBy(() -> OodScorers.knn(bank, n, n + 1)).hasMessageContaining("outside 1..200");
  }

  @Test
  void knnIsOneMinusTheKthLargestCosine() {
    int f = 6, n = 20;
    float[] bank = new float[n * f];
    for (int r = 0; r < n; r++) {
      float[] row = randn(f);
      double norm = 0;
      for (float v : row) norm += v * v;
      for (int i = 0; i < f; i++) bank[r * f + i] = (float) (row[i] / Math.sqrt(norm));
    }
    float[] x = randn(f);
    double xn = 0;
    for (float v : x) xn += v * v;
    double[] cos = new double[n];
    for (int r = 0; r < n; r++) {
      double d = 0;
      for (int i = 0; i < f; i++) d += x[i] * bank[r * f + i];
      cos[r] = d / Math.sqrt(xn);
    }
    Arrays.sort(cos);
    for (int k : new int[] {1, 3, 20}) {
      assertThat(OodScorers.knn(bank, n, k).score(x, null)).isCloseTo(1 - cos[n - k], within(1e-6));
    }
  }

  @Test
  void fusionIsTheWeightedSumOfStandardisedScores() {
    OodScorer a = (f, z) -> 3;
    OodScorer b = (f, z) -> -1;
    OodScorer fused = OodScorers.fusion(new OodScorer[] {a, b}, new double[] {0.5, 2}, new double[] {1, 0}, new double[] {2, 4});
    assertThat(fused.score(null, null)).isCloseTo(0.5 * (3 - 1) / 2 + 2 * (-1 - 0) / 4.0, within(1e-12));
    assertThat(OodScorers.none().score(null, null)).isZero();
  }
}
