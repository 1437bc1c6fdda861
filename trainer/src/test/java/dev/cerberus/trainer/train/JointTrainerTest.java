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
}
