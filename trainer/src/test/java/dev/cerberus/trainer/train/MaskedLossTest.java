package dev.cerberus.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class MaskedLossTest {

  static double[][] randomLogits(int n, int k, long seed) {
    Random r = new Random(seed);
    double[][] z = new double[n][k];
    for (double[] row : z) {
      for (int j = 0; j < k; j++) {
        row[j] = r.nextGaussian() * 2;
      }
    }
    return z;
  }

  @Test
  void maskedRowsChangeNeitherLossNorGradient() {
    for (boolean binary : new boolean[] {false, true}) {
      int k = binary ? 1 : 4;
      double[][] z = randomLogits(6, k, 1);
      int[] y = binary ? new int[] {1, -1, 0, -1, 1, 0} : new int[] {3, -1, 0, -1, 2, 1};
      double[] w = binary ? new double[] {1, 2} : new double[] {1, 1.5, 0.5, 2};
      MaskedLoss.Value a = MaskedLoss.compute(binary, z, y, w, null, 0);
      double[][] z2 = randomLogits(6, k, 1);
      z2[1] = new double[k];
      java.util.Arrays.fill(z2[1], 1e6); // a wild logit on a masked row
      z2[3][0] = Double.NaN; // even NaN on a masked row must not leak in
      MaskedLoss.Value b = MaskedLoss.compute(binary, z2, y, w, null, 0);
      assertThat(b.loss()).isEqualTo(a.loss());
      for (int i : new int[] {0, 2, 4, 5}) {
        assertThat(b.gradient()[i]).containsExactly(a.gradient()[i]);
      }
      for (int i : new int[] {1, 3}) {
        assertThat(b.gradient()[i]).containsOnly(0.0);
      }
      assertThat(a.labelled()).isEqualTo(4);
    }
  }

  @Test
  void taskLossIsTheMeanOverItsOwnLabelledRows() {
    double[][] z = randomLogits(3, 3, 2);
    int[] one = {1, -1, -1};
    double single = MaskedLoss.compute(false, new double[][] {z[0]}, new int[] {1},
        new double[] {1, 1, 1}, null, 0).loss();
    // adding unlabelled rows leaves the mean unchanged: it is over labelled rows only
    assertThat(MaskedLoss.compute(false, z, one, new double[] {1, 1, 1}, null, 0).loss())
        .isCloseTo(single, within(1e-12));
  }

  @Test
  void gradientMatchesFiniteDifferences() {
    for (boolean binary : new boolean[] {false, true}) {
      int k = binary ? 1 : 3;
      double[][] z = randomLogits(5, k, 3);
      int[] y = binary ? new int[] {1, 0, -1, 1, -1} : new int[] {2, -1, 0, 1, -1};
      boolean[] out = {false, true, false, false, true};
      double[] w = binary ? new double[] {0.7, 1.3} : new double[] {1, 2, 0.5};
      MaskedLoss.Value v = MaskedLoss.compute(binary, z, y, w, out, 0.5);
      double h = 1e-6;
      for (int i = 0; i < z.length; i++) {
        for (int j = 0; j < k; j++) {
          double keep = z[i][j];
          z[i][j] = keep + h;
          double up = MaskedLoss.compute(binary, z, y, w, out, 0.5).loss();
          z[i][j] = keep - h;
          double down = MaskedLoss.compute(binary, z, y, w, out, 0.5).loss();
          z[i][j] = keep;
          assertThat(v.gradient()[i][j]).isCloseTo((up - down) / (2 * h), within(1e-6));
        }
      }
    }
  }

  @Test
  void outlierExposureIsCrossEntropyToUniform() {
    int[] y = {-1, -1};
    boolean[] out = {true, true};
    double[] w = {1, 1, 1, 1};
    // uniform logits: CE(uniform, softmax) = log K, the minimum; gradient zero
    MaskedLoss.Value flat = MaskedLoss.compute(false, new double[][] {{0, 0, 0, 0}, {3, 3, 3, 3}},
        y, w, out, 0.5);
    assertThat(flat.outlier()).isCloseTo(0.5 * Math.log(4), within(1e-12));
    for (double g : flat.gradient()[0]) {
      assertThat(g).isCloseTo(0, within(1e-15));
    }
    // a confident outlier costs more: lambda * (logsumexp(z) - mean(z)), averaged over outliers
    double[] z = {5, 0, 0, 0};
    double expected = Math.log(Math.exp(5) + 3) - 5.0 / 4;
    MaskedLoss.Value peaked = MaskedLoss.compute(false, new double[][] {z, z}, y, w, out, 0.5);
    assertThat(peaked.outlier()).isCloseTo(0.5 * expected, within(1e-12));
    assertThat(peaked.supervised()).isZero();
    // lambda zero: outliers contribute nothing
    assertThat(MaskedLoss.compute(false, new double[][] {z, z}, y, w, out, 0).loss()).isZero();
  }

  @Test
  void binaryOutlierExposureIsBinaryCrossEntropyToOneHalf() {
    int[] y = {-1, -1};
    boolean[] out = {true, true};
    double[] w = {1, 1};
    // p = 0.5 (logit 0) is the minimum: log 2, zero gradient
    MaskedLoss.Value half = MaskedLoss.compute(true, new double[][] {{0}, {0}}, y, w, out, 0.5);
    assertThat(half.outlier()).isCloseTo(0.5 * Math.log(2), within(1e-12));
    assertThat(half.gradient()[0][0]).isZero();
    // a confident outlier (either way) costs more, and is pushed back toward 0.5
    for (double x : new double[] {4, -4}) {
      MaskedLoss.Value v = MaskedLoss.compute(true, new double[][] {{x}, {x}}, y, w, out, 0.5);
      double bce = Math.log(1 + Math.exp(-x)) + 0.5 * x; // -0.5 log p - 0.5 log (1 - p)
      assertThat(v.outlier()).isCloseTo(0.5 * bce, within(1e-12));
      assertThat(v.outlier()).isGreaterThan(half.outlier());
      assertThat(Math.signum(v.gradient()[0][0])).isEqualTo(Math.signum(x));
      // the same value as multiclass OE on the two-class logits [0, x]
      MaskedLoss.Value two = MaskedLoss.compute(false, new double[][] {{0, x}, {0, x}}, y,
          w, out, 0.5);
      assertThat(v.outlier()).isCloseTo(two.outlier(), within(1e-12));
    }
    // labelled rows are never outlier rows: their loss is the supervised BCE only
    MaskedLoss.Value lab = MaskedLoss.compute(true, new double[][] {{4}}, new int[] {1}, w,
        new boolean[] {true}, 0.5);
    assertThat(lab.outlier()).isZero();
    // the soft-target variant (weak supervision) exposes binary heads the same way
    MaskedLoss.Value soft = MaskedLoss.compute(true, new double[][] {{4}, {4}}, y,
        SoftTargets.NONE, w, out, 0.5);
    MaskedLoss.Value hard = MaskedLoss.compute(true, new double[][] {{4}, {4}}, y, w, out, 0.5);
    assertThat(soft.loss()).isEqualTo(hard.loss());
    assertThat(soft.gradient()[0]).containsExactly(hard.gradient()[0]);
    // without flags (outlier_exposure false) outliers add nothing
    assertThat(MaskedLoss.compute(true, new double[][] {{4}, {4}}, y, w, null, 0.5).loss()).isZero();
  }

  @Test
  void headNetBackpropMatchesFiniteDifferencesAndIgnoresMaskedRows() {
    Random rng = new Random(5);
    HeadNet net = new HeadNet(new int[] {4, 5, 3}, rng);
    double[][] x = new double[4][4];
    for (double[] r : x) {
      for (int j = 0; j < 4; j++) {
        r[j] = rng.nextGaussian();
      }
    }
    int[] y = {0, -1, 2, 1};
    double[] w = {1, 1, 1};
    double[][][] acts = net.forward(x);
    var loss = MaskedLoss.compute(false, acts[2], y, w, null, 0);
    HeadNet.Gradients g = net.backward(acts, loss.gradient());
    double h = 1e-6;
    for (int l = 0; l < 2; l++) {
      for (int o = 0; o < net.w[l].length; o++) {
        for (int i = 0; i < net.w[l][o].length; i++) {
          double keep = net.w[l][o][i];
          net.w[l][o][i] = keep + h;
          double up = MaskedLoss.compute(false, net.forward(x)[2], y, w, null, 0).loss();
          net.w[l][o][i] = keep - h;
          double down = MaskedLoss.compute(false, net.forward(x)[2], y, w, null, 0).loss();
          net.w[l][o][i] = keep;
          assertThat(g.w()[l][o][i]).isCloseTo((up - down) / (2 * h), within(1e-6));
        }
      }
    }
    // changing the masked row's input changes no parameter gradient
    double[][] x2 = x.clone();
    x2[1] = new double[] {100, -100, 50, 7};
    double[][][] acts2 = net.forward(x2);
    HeadNet.Gradients g2 = net.backward(acts2,
        MaskedLoss.compute(false, acts2[2], y, w, null, 0).gradient());
    for (int l = 0; l < 2; l++) {
      for (int o = 0; o < net.w[l].length; o++) {
        assertThat(g2.w()[l][o]).containsExactly(g.w()[l][o]);
      }
    }
  }
}
