package dev.cerberus.trainer.ood;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class MixupOutliersTest {

  // class 0 sits on the x axis (two rows), class 1 at (0, 10); an unlabelled row far away
  static final float[][] X = {{1, 0}, {3, 0}, {0, 10}, {100, 100}};
  static final int[] Y = {0, 0, 1, -1};

  @Test
  void everyRowMixesTwoClassesWithAWeightInRange() {
    float[][] m = MixupOutliers.between(X, Y, 200, 0.3, 0.7, 5);
    assertThat(m.length).isEqualTo(200);
    for (float[] r : m) {
      // a class-0 row (x0, 0) mixed with (0, 10): y = 10 (1 - a_class0), x = a_class0 * x0;
      // never two class-0 rows (y would be 0) and never the unlabelled row (x, y <= 10)
      double aClass0 = 1 - r[1] / 10.0;
      assertThat(aClass0).isBetween(0.3 - 1e-6, 0.7 + 1e-6);
      double x0 = r[0] / aClass0;
      assertThat(Math.min(Math.abs(x0 - 1), Math.abs(x0 - 3))).isCloseTo(0, within(1e-4));
    }
  }

  @Test
  void fixedWeightGivesTheHandComputedMidpoints() {
    float[][] m = MixupOutliers.between(X, Y, 50, 0.5, 0.5, 1);
    for (float[] r : m) {
      // midpoint of (1,0) or (3,0) with (0,10)
      assertThat(r[1]).isEqualTo(5f);
      assertThat(r[0]).isIn(0.5f, 1.5f);
    }
  }

  @Test
  void seededAndReproducible() {
    assertThat(MixupOutliers.between(X, Y, 30, 0.2, 0.8, 9))
        .isDeepEqualTo(MixupOutliers.between(X, Y, 30, 0.2, 0.8, 9));
    assertThat(java.util.Arrays.deepEquals(MixupOutliers.between(X, Y, 30, 0.2, 0.8, 9),
        MixupOutliers.between(X, Y, 30, 0.2, 0.8, 10))).isFalse();
  }

  @Test
  void oneClassIsAClearError() {
    assertThatThrownBy(() -> MixupOutliers.between(X, new int[] {0, 0, -1, -1}, 5, 0.3, 0.7, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least two classes");
  }
}
