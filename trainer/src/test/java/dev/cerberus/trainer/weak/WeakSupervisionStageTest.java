package dev.cerberus.trainer.weak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.cerberus.model.heads.Activation;
import dev.cerberus.model.heads.DenseLayer;
import dev.cerberus.trainer.train.HeadTask;
import dev.cerberus.trainer.train.MaskedLoss;
import dev.cerberus.trainer.train.SoftTargets;
import dev.cerberus.trainer.train.TrainingSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class WeakSupervisionStageTest {

  static final int N = MaskedLoss.NO_LABEL;

  /** A served binary head whose logit is {@code scale * x[feature]}. */
  static List<DenseLayer> reads(int feature, float scale) {
    float[] w = new float[2];
    w[feature] = scale;
    return List.of(new DenseLayer(1, 2, w, new float[1], Activation.NONE));
  }

  static final List<HeadTask> TASKS = List.of(
      new HeadTask("a", true, new int[] {2, 1}, false),
      new HeadTask("b", true, new int[] {2, 1}, false),
      new HeadTask("gate", true, new int[] {2, 1}, false));

  // rows 0-1: task a's data, 2-3: task b's data, 4: an outlier
  static final float[][] RAW = {{3, 4}, {-3, 0.1f}, {5, -6}, {0.1f, 2}, {9, 9}};

  static TrainingSet firstRound() {
    double[][] x = new double[5][2];
    List<int[]> labels = List.of(new int[] {1, 0, N, N, N}, new int[] {N, N, 0, 1, N},
        new int[] {0, 0, 0, 0, 1});
    return new TrainingSet(List.of(x, x, x), new boolean[] {false, false, false, false, true},
        new boolean[5], labels);
  }

  static WeakSupervisionStage.Input input() {
    return new WeakSupervisionStage.Input(TASKS, List.of(reads(0, 1), reads(1, 1), reads(0, 1)),
        RAW, firstRound());
  }

  @Test
  void hardModeLabelsTheOtherTasksRowsWithTheServedHeads() {
    var s = new WeakSupervisionSettings(PseudoLabelMode.HARD, 0.9, false, List.of("a", "b"));
    var out = new WeakSupervisionStage(s).run(input());
    // head a reads x0: row 2 (5 -> p=.993) positive, row 3 (0.1 -> p=.52) stays masked
    assertThat(out.train().labels().get(0)).containsExactly(1, 0, 1, N, N);
    // head b reads x1: row 0 (4) positive, row 1 (0.1) masked; the outlier row never
    assertThat(out.train().labels().get(1)).containsExactly(1, N, 0, 1, N);
    // the gate has a label everywhere: unchanged
    assertThat(out.train().labels().get(2)).containsExactly(0, 0, 0, 0, 1);
    assertThat(out.heads().get(0)).isEqualTo(
        new WeakSupervisionStage.HeadReport("a", true, 2, 1, 1, 1.0));
    assertThat(out.heads().get(2).source()).isFalse();
    assertThat(out.train().targets().get(0).pseudo()).containsExactly(false, false, true, false,
        false);
    assertThat(out.train().targets().get(2)).isSameAs(SoftTargets.NONE);
  }

  @Test
  void softModeWithWeightsAndANonSourceHead() {
    var s = new WeakSupervisionSettings(PseudoLabelMode.SOFT, 0.9, true, List.of("b"));
    var out = new WeakSupervisionStage(s).run(input());
    assertThat(out.train().labels().get(0)).containsExactly(1, 0, N, N, N);
    assertThat(out.train().targets().get(0)).isSameAs(SoftTargets.NONE);
    SoftTargets b = out.train().targets().get(1);
    double p0 = 1 / (1 + Math.exp(-4));
    assertThat(b.soft()[0][0]).isCloseTo(p0, within(1e-6));
    assertThat(b.weight(0)).isCloseTo(4 * (p0 - 0.5) * (p0 - 0.5), within(1e-6));
    assertThat(b.soft()[2]).isNull(); // real label
    assertThat(b.weight(2)).isEqualTo(1.0);
    assertThat(b.soft()[4]).isNull(); // outlier
    assertThat(out.heads().get(1).pseudo()).isEqualTo(2);
  }

  @Test
  void aSourceThatIsNoHeadAndMisshapenInputsAreRefused() {
    var s = new WeakSupervisionSettings(PseudoLabelMode.HARD, 0.9, false, List.of("c"));
    assertThatThrownBy(() -> new WeakSupervisionStage(s).run(input()))
        .hasMessageContaining("no head named c");
    assertThatThrownBy(() -> new WeakSupervisionStage.Input(TASKS, List.of(reads(0, 1)), RAW,
        firstRound())).hasMessageContaining("one per head");
    assertThatThrownBy(() -> new WeakSupervisionStage.Input(TASKS,
        List.of(reads(0, 1), reads(0, 1), reads(0, 1)), new float[2][2], firstRound()))
        .hasMessageContaining("one row per training row");
  }

  @Test
  void agreementCountsOnlyTheOtherTasksRows() {
    List<int[]> real = List.of(new int[] {1, 0, N, N, N}, new int[] {N, N, 0, 1, N});
    assertThat(Agreement.otherTasksRows(real, 0)).containsExactly(false, false, true, true, false);
    List<int[]> model = List.of(new int[] {0, 0, 1, 1, 1}, new int[] {1, 1, 0, 0, 0});
    List<int[]> ref = List.of(new int[] {1, 1, 1, 0, 0}, new int[] {1, 0, 1, 1, 1});
    var a = Agreement.onOtherTasksRows(List.of("a", "b"), model, ref, real);
    assertThat(a.get(0)).isEqualTo(new Agreement.HeadAgreement("a", 2, 1));
    assertThat(a.get(1)).isEqualTo(new Agreement.HeadAgreement("b", 2, 1));
    assertThat(a.get(1).rate()).isEqualTo(0.5);
    assertThat(new Agreement.HeadAgreement("c", 0, 0).rate()).isNaN();
  }

  @Test
  void multiclassHeadsAreLabelledWithTheServedHeadMath() {
    // logits = (x0, x1, -x0 - x1): three classes read from two raw features
    float[] w = {1, 0, 0, 1, -1, -1};
    List<DenseLayer> head = List.of(new DenseLayer(3, 2, w, new float[3], Activation.NONE));
    List<HeadTask> tasks = List.of(new HeadTask("m", false, new int[] {2, 3}, false));
    double[][] x = new double[3][2];
    float[][] raw = {{6, 0}, {0.2f, 0.1f}, {1, 1}};
    TrainingSet first = new TrainingSet(List.<double[][]>of(x), new boolean[3], new boolean[3],
        List.of(new int[] {N, N, 2}));
    var in = new WeakSupervisionStage.Input(tasks, List.of(head), raw, first);
    var hard = new WeakSupervisionStage(
        new WeakSupervisionSettings(PseudoLabelMode.HARD, 0.9, true, List.of("m"))).run(in);
    assertThat(hard.train().labels().get(0)).containsExactly(0, N, 2);
    float[] p = dev.cerberus.model.heads.HeadMath.softmax(new float[] {6, 0, -6});
    double m = (3 * (double) p[0] - 1) / 2;
    assertThat(hard.train().targets().get(0).weight(0)).isCloseTo(m * m, within(1e-6));
    var soft = new WeakSupervisionStage(
        new WeakSupervisionSettings(PseudoLabelMode.SOFT, 0.9, false, List.of("m"))).run(in);
    float[] p1 = dev.cerberus.model.heads.HeadMath.softmax(new float[] {0.2f, 0.1f, -0.3f});
    double[] q = soft.train().targets().get(0).soft()[1];
    for (int k = 0; k < 3; k++) {
      assertThat(q[k]).isCloseTo(p1[k], within(1e-6));
    }
    assertThat(soft.train().labels().get(0)).containsExactly(N, N, 2);
  }
}
