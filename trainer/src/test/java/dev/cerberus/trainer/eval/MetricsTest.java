package dev.cerberus.trainer.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class MetricsTest {

  @Test
  void aurocAgainstHandComputedPairs() {
    // pairs (neg, pos) with pos > neg: of 3x2=6 pairs, (0.1,0.35) (0.1,0.8) (0.4,0.8) (0.35 vs
    // 0.4 loses) (0.7,0.8) -> 4 wins of 6; plus no ties
    double[] neg = {0.1, 0.4, 0.7};
    double[] pos = {0.35, 0.8};
    assertThat(Metrics.auroc(neg, pos)).isCloseTo(4.0 / 6, within(1e-12));
    // a tie counts one half
    assertThat(Metrics.auroc(new double[] {0.5}, new double[] {0.5})).isEqualTo(0.5);
    assertThat(Metrics.auroc(new double[] {0, 1}, new double[] {2, 3})).isEqualTo(1.0);
    assertThat(Metrics.auroc(new double[] {2, 3}, new double[] {0, 1})).isEqualTo(0.0);
  }

  @Test
  void fpr95AgainstHandComputedValue() {
    double[] id = new double[20];
    for (int i = 0; i < 20; i++) {
      id[i] = i; // 95% accepted: threshold 18 (19 of 20 items <= 18)
    }
    assertThat(Metrics.thresholdAtTpr(id, 0.95)).isEqualTo(18.0);
    double[] ood = {5, 17.5, 18, 18.5, 30};
    assertThat(Metrics.fprAtTpr(id, ood, 0.95)).isCloseTo(3.0 / 5, within(1e-12));
  }

  @Test
  void calibrationHitsTheTargetTprOnSyntheticScores() {
    Random r = new Random(9);
    for (double target : new double[] {0.8, 0.9, 0.95, 0.99}) {
      double[] val = new double[1000];
      for (int i = 0; i < val.length; i++) {
        val[i] = r.nextGaussian();
      }
      double t = Metrics.thresholdAtTpr(val, target);
      double accepted = Metrics.acceptedFraction(val, t);
      assertThat(accepted).isGreaterThanOrEqualTo(target).isLessThanOrEqualTo(target + 1.0 / 1000);
      // and on fresh draws from the same distribution, close to the target
      double[] test = new double[20000];
      for (int i = 0; i < test.length; i++) {
        test[i] = r.nextGaussian();
      }
      assertThat(Metrics.acceptedFraction(test, t)).isCloseTo(target, within(0.02));
    }
  }

  @Test
  void accuracyMacroF1AndConfusion() {
    int[] truth = {0, 0, 1, 1, 2, 2};
    int[] pred = {0, 1, 1, 1, 2, 0};
    assertThat(Metrics.accuracy(truth, pred)).isCloseTo(4.0 / 6, within(1e-12));
    // F1: class0 tp1 fp1 fn1 -> 0.5; class1 tp2 fp1 fn0 -> 0.8; class2 tp1 fp0 fn1 -> 2/3
    assertThat(Metrics.macroF1(truth, pred, 3)).isCloseTo((0.5 + 0.8 + 2.0 / 3) / 3, within(1e-12));
    assertThat(Metrics.confusion(truth, pred, 3)[0]).containsExactly(1, 1, 0);
  }

  @Test
  void rocCurveRunsFromOriginToOne() {
    double[][] r = Metrics.rocCurve(new double[] {0, 1, 2}, new double[] {1.5, 3});
    assertThat(r[0][0]).isZero();
    assertThat(r[1][0]).isZero();
    assertThat(r[0][r[0].length - 1]).isEqualTo(1.0);
    assertThat(r[1][r[1].length - 1]).isEqualTo(1.0);
  }
}
