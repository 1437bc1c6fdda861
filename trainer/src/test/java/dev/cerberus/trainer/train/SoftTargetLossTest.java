package dev.cerberus.trainer.train;

import static dev.cerberus.trainer.train.MaskedLossTest.randomLogits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SoftTargetLossTest {

  static final int N = MaskedLoss.NO_LABEL;

  @Test
  void gradientMatchesFiniteDifferencesWithSoftTargetsWeightsAndOutliers() {
    for (boolean binary : new boolean[] {false, true}) {
      int k = binary ? 1 : 3;
      double[][] z = randomLogits(6, k, 11);
      int[] y = {binary ? 1 : 2, N, N, 0, N, N};
      double[][] soft = binary
          ? new double[][] {null, {0.8}, {0.25}, null, null, null}
          : new double[][] {null, {0.2, 0.5, 0.3}, {0.9, 0.1, 0}, null, null, null};
      double[] s = {1, 0.4, 0.7, 0.2, 1, 1};
      boolean[] out = {false, false, false, false, true, true};
      double[] cw = binary ? new double[] {0.7, 1.3} : new double[] {1, 2, 0.5};
      SoftTargets t = new SoftTargets(soft, s);
      boolean[] oe = binary ? null : out;
      MaskedLoss.Value v = MaskedLoss.compute(binary, z, y, t, cw, oe, 0.5);
      assertThat(v.labelled()).isEqualTo(4);
      double h = 1e-6;
      for (int i = 0; i < z.length; i++) {
        for (int j = 0; j < k; j++) {
          double keep = z[i][j];
          z[i][j] = keep + h;
          double up = MaskedLoss.compute(binary, z, y, t, cw, oe, 0.5).loss();
          z[i][j] = keep - h;
          double down = MaskedLoss.compute(binary, z, y, t, cw, oe, 0.5).loss();
          z[i][j] = keep;
          assertThat(v.gradient()[i][j]).isCloseTo((up - down) / (2 * h), within(1e-7));
        }
      }
    }
  }

  @Test
  void maskedAndZeroWeightRowsGetExactlyZeroGradientAndNoNaN() {
    for (boolean binary : new boolean[] {false, true}) {
      int k = binary ? 1 : 3;
      double[][] z = randomLogits(4, k, 12);
      int[] y = {0, N, 1, N};
      double[][] soft = {null, null, null, binary ? new double[] {0.6} : new double[] {.2, .2, .6}};
      // row 1: no label; row 2: a label of weight 0; row 3: a soft target of weight 0
      SoftTargets t = new SoftTargets(soft, new double[] {1, 1, 0, 0});
      double[] cw = binary ? new double[] {1, 1} : new double[] {1, 1, 1};
      z[1][0] = Double.NaN;
      z[2][0] = Double.NaN;
      z[3][0] = Double.POSITIVE_INFINITY;
      MaskedLoss.Value v = MaskedLoss.compute(binary, z, y, t, cw, null, 0);
      assertThat(v.loss()).isFinite();
      assertThat(v.labelled()).isEqualTo(1);
      for (int i = 1; i < 4; i++) {
        assertThat(v.gradient()[i]).containsOnly(0.0);
      }
    }
  }

  @Test
  void weightZeroIsExactlyMasked() {
    for (boolean binary : new boolean[] {false, true}) {
      int k = binary ? 1 : 4;
      double[][] z = randomLogits(5, k, 13);
      int[] labelled = binary ? new int[] {1, 0, 1, N, 0} : new int[] {3, 0, 2, N, 1};
      int[] masked = labelled.clone();
      masked[2] = N;
      boolean[] out = {false, false, false, true, false};
      double[] cw = binary ? new double[] {0.5, 2} : new double[] {1, 1.5, 0.5, 2};
      boolean[] oe = binary ? null : out;
      double[] s = {1, 1, 0, 1, 1};
      MaskedLoss.Value zero = MaskedLoss.compute(binary, z, labelled, new SoftTargets(null, s),
          cw, oe, 0.3);
      MaskedLoss.Value none = MaskedLoss.compute(binary, z, masked, cw, oe, 0.3);
      assertThat(zero.loss()).isEqualTo(none.loss());
      assertThat(zero.labelled()).isEqualTo(none.labelled());
      for (int i = 0; i < z.length; i++) {
        assertThat(zero.gradient()[i]).containsExactly(none.gradient()[i]);
      }
    }
  }

  @Test
  void oneHotSoftTargetsGiveTheHardLabelLossBitForBit() {
    for (boolean binary : new boolean[] {false, true}) {
      int k = binary ? 1 : 4;
      double[][] z = randomLogits(6, k, 14);
      int[] y = binary ? new int[] {1, 0, N, 1, 0, N} : new int[] {3, 0, N, 2, 1, N};
      boolean[] out = {false, false, true, false, false, true};
      double[] cw = binary ? new double[] {0.7, 1.9} : new double[] {1, 1.5, 0.5, 2.25};
      boolean[] oe = binary ? null : out;
      double[][] soft = new double[6][];
      int[] none = new int[6];
      for (int i = 0; i < 6; i++) {
        none[i] = N;
        if (y[i] != N) {
          soft[i] = binary ? new double[] {y[i]} : new double[k];
          if (!binary) {
            soft[i][y[i]] = 1;
          }
        }
      }
      MaskedLoss.Value hard = MaskedLoss.compute(binary, z, y, cw, oe, 0.5);
      MaskedLoss.Value asSoft = MaskedLoss.compute(binary, z, none, new SoftTargets(soft, null),
          cw, oe, 0.5);
      MaskedLoss.Value unitWeights = MaskedLoss.compute(binary, z, y,
          new SoftTargets(null, new double[] {1, 1, 1, 1, 1, 1}), cw, oe, 0.5);
      for (MaskedLoss.Value v : new MaskedLoss.Value[] {asSoft, unitWeights}) {
        assertThat(v.loss()).isEqualTo(hard.loss());
        assertThat(v.supervised()).isEqualTo(hard.supervised());
        for (int i = 0; i < 6; i++) {
          assertThat(v.gradient()[i]).containsExactly(hard.gradient()[i]);
        }
      }
    }
  }

  @Test
  void softTargetLossIsCrossEntropyToTheTarget() {
    double[] z = {1.5, -0.5, 0.25};
    double[] q = {0.5, 0.25, 0.25};
    double lse = MaskedLoss.logSumExp(z);
    double expected = 0;
    for (int k = 0; k < 3; k++) {
      expected -= q[k] * (z[k] - lse);
    }
    MaskedLoss.Value v = MaskedLoss.compute(false, new double[][] {z}, new int[] {N},
        new SoftTargets(new double[][] {q}, null), new double[] {1, 1, 1}, null, 0);
    assertThat(v.loss()).isCloseTo(expected, within(1e-12));
    // binary: BCE(t, sigmoid x)
    double x = 0.8;
    double t = 0.3;
    double p = 1 / (1 + Math.exp(-x));
    MaskedLoss.Value b = MaskedLoss.compute(true, new double[][] {{x}}, new int[] {N},
        new SoftTargets(new double[][] {{t}}, null), new double[] {1, 1}, null, 0);
    assertThat(b.loss()).isCloseTo(-(t * Math.log(p) + (1 - t) * Math.log(1 - p)),
        within(1e-12));
  }

  @Test
  void sampleWeightsWeighTheMeanOverSupervisedRows() {
    double[][] z = randomLogits(2, 3, 15);
    int[] y = {0, 2};
    double[] cw = {1, 1, 1};
    double a = MaskedLoss.compute(false, new double[][] {z[0]}, new int[] {0}, cw, null, 0)
        .loss();
    double b = MaskedLoss.compute(false, new double[][] {z[1]}, new int[] {2}, cw, null, 0)
        .loss();
    double both = MaskedLoss.compute(false, z, y, new SoftTargets(null, new double[] {3, 1}),
        cw, null, 0).loss();
    assertThat(both).isCloseTo((3 * a + b) / 4, within(1e-12));
  }

  @Test
  void invalidTargetsAreRefused() {
    assertThatThrownBy(() -> new SoftTargets(new double[][] {{0.5, 0.6}}, null))
        .hasMessageContaining("sum to 1");
    assertThatThrownBy(() -> new SoftTargets(new double[][] {{1.2}}, null))
        .hasMessageContaining("[0,1]");
    assertThatThrownBy(() -> new SoftTargets(null, new double[] {-1}))
        .hasMessageContaining(">= 0");
    assertThatThrownBy(() -> new SoftTargets(null, new double[] {Double.NaN}))
        .hasMessageContaining(">= 0");
    assertThatThrownBy(() -> MaskedLoss.compute(true, new double[][] {{0}}, new int[] {1},
        new SoftTargets(new double[][] {{0.5}}, null), new double[] {1, 1}, null, 0))
        .hasMessageContaining("both a hard label and a soft target");
    assertThatThrownBy(() -> MaskedLoss.compute(false, new double[][] {{0, 0, 0}},
        new int[] {N}, new SoftTargets(new double[][] {{0.5, 0.5}}, null),
        new double[] {1, 1, 1}, null, 0))
        .hasMessageContaining("one value per logit");
  }
}
