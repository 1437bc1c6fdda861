package dev.cerberus.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class JointTrainerTest {

  static final TrainingSettings SETTINGS =
      new TrainingSettings(1, 0.01, 0, 8, 0.5, false, 1, 1);

  /** Rows 0-3 labelled, 4-5 real outliers, 6-7 synthetic outliers; one OE head, one gate. */
  static TrainingSet set(double synthValue, double outlierValue) {
    Random r = new Random(3);
    double[][] x = new double[8][3];
    for (double[] row : x) {
      for (int j = 0; j < 3; j++) {
        row[j] = r.nextGaussian();
      }
    }
    x[5] = new double[] {outlierValue, 0, 0};
    x[7] = new double[] {synthValue, 0, 0};
    boolean[] outlier = {false, false, false, false, true, true, true, true};
    boolean[] synthetic = {false, false, false, false, false, false, true, true};
    int n = MaskedLoss.NO_LABEL;
    int[] classes = {0, 1, 2, 0, n, n, n, n};
    int[] gate = {0, 0, 0, 0, 1, 1, 1, 1};
    return new TrainingSet(List.of(x, x), outlier, synthetic, List.of(classes, gate));
  }

  @Test
  void syntheticRowsTrainTheGateButNeverTheOutlierExposureTerm() {
    List<HeadTask> tasks = List.of(new HeadTask("category", false, new int[] {3, 3}, true),
        new HeadTask("gate", true, new int[] {3, 1}, false));
    Random rng = new Random(1);
    List<HeadNet> nets = List.of(new HeadNet(new int[] {3, 3}, rng),
        new HeadNet(new int[] {3, 1}, rng));
    List<double[]> w = List.of(new double[] {1, 1, 1}, new double[] {1, 1});
    JointTrainer jt = new JointTrainer(SETTINGS, System.err);
    double[] base = jt.headLosses(tasks, nets, w, set(1, 1));
    double[] synthMoved = jt.headLosses(tasks, nets, w, set(50, 1));
    double[] outlierMoved = jt.headLosses(tasks, nets, w, set(1, 50));
    // the OE head ignores synthetic rows, the gate does not
    assertThat(synthMoved[0]).isEqualTo(base[0]);
    assertThat(synthMoved[1]).isNotEqualTo(base[1]);
    // real outliers feed both
    assertThat(outlierMoved[0]).isNotEqualTo(base[0]);
    assertThat(outlierMoved[1]).isNotEqualTo(base[1]);
  }

  static List<HeadTask> twoHeads() {
    return List.of(new HeadTask("category", false, new int[] {3, 4, 3}, true),
        new HeadTask("gate", true, new int[] {3, 1}, false));
  }

  static TrainingSettings settings(boolean balanced) {
    return new TrainingSettings(3, 0.01, 1e-4, 3, 0.5, balanced, 5, 7);
  }

  static void assertSameNets(JointTrainer.Trained a, JointTrainer.Trained b) {
    for (int t = 0; t < a.nets().size(); t++) {
      assertThat(a.nets().get(t).copyWeights()).isDeepEqualTo(b.nets().get(t).copyWeights());
      assertThat(a.nets().get(t).copyBiases()).isDeepEqualTo(b.nets().get(t).copyBiases());
    }
    assertThat(a.history().trainLoss()).isEqualTo(b.history().trainLoss());
    assertThat(a.history().valLoss()).isEqualTo(b.history().valLoss());
  }

  @Test
  void hardLabelsTrainTheSameWithOrWithoutEmptyTargetsAndTwice() {
    TrainingSet plain = set(1, 1);
    TrainingSet withNone = plain.withSupervision(plain.labels(),
        List.of(SoftTargets.NONE, SoftTargets.NONE));
    var a = new JointTrainer(settings(true), System.err).train(twoHeads(), plain, plain);
    var b = new JointTrainer(settings(true), System.err).train(twoHeads(), withNone, plain);
    var c = new JointTrainer(settings(true), System.err).train(twoHeads(), plain, plain);
    assertSameNets(a, b);
    assertSameNets(a, c);
  }

  @Test
  void oneHotSoftTargetsTrainBitForBitLikeHardLabels() {
    for (boolean balanced : new boolean[] {true, false}) {
      TrainingSet hard = set(1, 1);
      int[] classes = hard.labels().get(0);
      int[] masked = new int[classes.length];
      double[][] soft = new double[classes.length][];
      for (int i = 0; i < classes.length; i++) {
        masked[i] = MaskedLoss.NO_LABEL;
        if (classes[i] != MaskedLoss.NO_LABEL) {
          soft[i] = new double[3];
          soft[i][classes[i]] = 1;
        }
      }
      TrainingSet asSoft = hard.withSupervision(List.of(masked, hard.labels().get(1)),
          List.of(new SoftTargets(soft, null), SoftTargets.NONE));
      var a = new JointTrainer(settings(balanced), System.err).train(twoHeads(), hard, hard);
      var b = new JointTrainer(settings(balanced), System.err).train(twoHeads(), asSoft, hard);
      assertSameNets(a, b);
    }
  }

  @Test
  void balancedClassWeightsCountWeightedTargetMass() {
    JointTrainer jt = new JointTrainer(settings(true), System.err);
    HeadTask bin = new HeadTask("b", true, new int[] {3, 1}, false);
    int n = MaskedLoss.NO_LABEL;
    int[] labels = {1, 1, 0, n, n};
    // hard: 2 positives, 1 base; soft row 3: 0.5 weight on target 0.8 positive; row 4 masked
    SoftTargets t = new SoftTargets(new double[][] {null, null, null, {0.8}, null},
        new double[] {1, 1, 1, 0.5, 1});
    double[] w = jt.classWeights(bin, labels, t);
    double base = 1 + 0.5 * 0.2;
    double pos = 2 + 0.5 * 0.8;
    assertThat(w[0]).isCloseTo(3.5 / (2 * base), org.assertj.core.api.Assertions.within(1e-12));
    assertThat(w[1]).isCloseTo(3.5 / (2 * pos), org.assertj.core.api.Assertions.within(1e-12));
    assertThat(jt.classWeights(bin, labels, SoftTargets.NONE))
        .containsExactly(jt.classWeights(bin, labels));
    // pseudo-labelled rows (3, and 0 here) do not count: 1 positive, 1 base left
    SoftTargets p = new SoftTargets(t.soft(), t.weights(),
        new boolean[] {true, false, false, true, false});
    assertThat(jt.classWeights(bin, labels, p)).containsExactly(1.0, 1.0);
  }
}
