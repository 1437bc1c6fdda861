package dev.cerberus.trainer.weak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.cerberus.trainer.train.MaskedLoss;
import dev.cerberus.trainer.train.SoftTargets;
import java.util.List;
import org.junit.jupiter.api.Test;

class CrossLabellerTest {

  static final int N = MaskedLoss.NO_LABEL;

  static WeakSupervisionSettings settings(PseudoLabelMode mode, double thr, boolean weighting) {
    return new WeakSupervisionSettings(mode, thr, weighting, List.of("h"));
  }

  static double[] bin(double p) {
    return new double[] {1 - p, p};
  }

  /** Rows: 0 real 1 (predicted 0.05), 1 real 0, 2 p=.95, 3 p=.08, 4 p=.6, 5 outlier p=.99. */
  static CrossLabeller.HeadScores binaryHead() {
    return new CrossLabeller.HeadScores(true,
        new double[][] {bin(0.05), bin(0.9), bin(0.95), bin(0.08), bin(0.6), null},
        new int[] {1, 0, N, N, N, N});
  }

  static final boolean[] ELIGIBLE = {true, true, true, true, true, false};

  @Test
  void hardModeLabelsConfidentRowsOnlyAndRealLabelsWin() {
    var out = CrossLabeller.label(binaryHead(), ELIGIBLE,
        settings(PseudoLabelMode.HARD, 0.9, false));
    // real labels kept even where the head disagrees (row 0: p=.05 but label 1)
    assertThat(out.labels()).containsExactly(1, 0, 1, 0, N, N);
    // unweighted hard: plain labels, the pseudo rows marked (left out of class balancing)
    assertThat(out.targets().soft()).isNull();
    assertThat(out.targets().weights()).isNull();
    assertThat(out.targets().pseudo()).containsExactly(false, false, true, true, false, false);
    assertThat(out.real()).isEqualTo(2);
    assertThat(out.pseudo()).isEqualTo(2);
    assertThat(out.masked()).isEqualTo(1);
  }

  @Test
  void hardModeWithConfidenceWeighting() {
    var out = CrossLabeller.label(binaryHead(), ELIGIBLE,
        settings(PseudoLabelMode.HARD, 0.9, true));
    double[] w = out.targets().weights();
    assertThat(out.targets().soft()).isNull();
    assertThat(w[0]).isEqualTo(1.0);
    assertThat(w[1]).isEqualTo(1.0);
    assertThat(w[2]).isCloseTo(4 * 0.45 * 0.45, within(1e-12));
    assertThat(w[3]).isCloseTo(4 * 0.42 * 0.42, within(1e-12));
    assertThat(out.meanPseudoWeight()).isCloseTo((w[2] + w[3]) / 2, within(1e-12));
    // threshold 1: only certain rows
    var strict = CrossLabeller.label(binaryHead(), ELIGIBLE,
        settings(PseudoLabelMode.HARD, 1.0, true));
    assertThat(strict.pseudo()).isZero();
    assertThat(strict.targets().pseudo()).containsOnly(false);
    assertThat(strict.labels()).containsExactly(1, 0, N, N, N, N);
  }

  @Test
  void softModeUsesTheProbabilitiesAndKeepsRealLabels() {
    var out = CrossLabeller.label(binaryHead(), ELIGIBLE,
        settings(PseudoLabelMode.SOFT, 0.9, false));
    assertThat(out.labels()).containsExactly(1, 0, N, N, N, N);
    double[][] s = out.targets().soft();
    assertThat(s[0]).isNull();
    assertThat(s[1]).isNull();
    assertThat(s[2]).containsExactly(0.95);
    assertThat(s[4]).containsExactly(0.6);
    assertThat(s[5]).isNull(); // not eligible: stays masked
    assertThat(out.targets().weights()).isNull();
    assertThat(out.pseudo()).isEqualTo(3);
    assertThat(out.masked()).isZero();
  }

  @Test
  void multiclassHardAndSoft() {
    double[][] p = {{0.92, 0.05, 0.03}, {0.4, 0.35, 0.25}, {0.1, 0.1, 0.8}};
    var head = new CrossLabeller.HeadScores(false, p, new int[] {N, N, 1});
    boolean[] all = {true, true, true};
    var hard = CrossLabeller.label(head, all, settings(PseudoLabelMode.HARD, 0.9, true));
    assertThat(hard.labels()).containsExactly(0, N, 1);
    double margin = (3 * 0.92 - 1) / 2;
    assertThat(hard.targets().weights()[0]).isCloseTo(margin * margin, within(1e-12));
    var soft = CrossLabeller.label(head, all, settings(PseudoLabelMode.SOFT, 0.9, false));
    assertThat(soft.targets().soft()[1]).containsExactly(0.4, 0.35, 0.25);
    assertThat(soft.targets().soft()[2]).isNull();
  }

  @Test
  void multiclassWeightGeneralisesTheBinaryRule() {
    for (double q : new double[] {0, 0.1, 0.5, 0.73, 0.9, 1}) {
      assertThat(CrossLabeller.confidenceWeight(false, bin(q)))
          .isCloseTo(CrossLabeller.confidenceWeight(true, bin(q)), within(1e-12));
    }
    assertThat(CrossLabeller.confidenceWeight(false, new double[] {.25, .25, .25, .25}))
        .isCloseTo(0, within(1e-12));
    assertThat(CrossLabeller.confidenceWeight(false, new double[] {0, 1, 0, 0})).isEqualTo(1.0);
    // it reads the confidence (max p) only: K = 3 at max .9 gives ((2.7 - 1) / 2)^2
    assertThat(CrossLabeller.confidenceWeight(false, new double[] {.9, .08, .02}))
        .isCloseTo(0.7225, within(1e-12));
    assertThat(CrossLabeller.confidenceWeight(false, new double[] {.5, .45, .05}))
        .isCloseTo(CrossLabeller.confidenceWeight(false, new double[] {.5, .25, .25}),
            within(1e-15));
  }

  @Test
  void softWeightZeroAtHalfStaysMaskedAndRealOnlyCounts() {
    var head = new CrossLabeller.HeadScores(true, new double[][] {bin(0.5), bin(0.7)},
        new int[] {N, N});
    var out = CrossLabeller.label(head, new boolean[] {true, true},
        settings(PseudoLabelMode.SOFT, 0.9, true));
    assertThat(out.pseudo()).isEqualTo(1);
    assertThat(out.masked()).isEqualTo(1);
    var real = CrossLabeller.realOnly(new int[] {0, N, N}, new boolean[] {true, true, false});
    assertThat(real.real()).isEqualTo(1);
    assertThat(real.masked()).isEqualTo(1);
    assertThat(real.targets()).isSameAs(SoftTargets.NONE);
  }
}
