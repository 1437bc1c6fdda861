package dev.cerberus.trainer.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.cerberus.trainer.report.ReportData.HeadResult;
import dev.cerberus.trainer.report.ReportData.OodResult;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluationStageTest {

  @TempDir static Path dir;
  static OodScores scores;
  static Calibration cal;
  static Evaluation eval;

  @BeforeAll
  static void evaluate() {
    StageFixtures.Fitted f = StageFixtures.fitted(dir);
    scores = f.scores();
    cal = CalibrationStage.calibrate(scores, "fusion", 0.9);
    eval = EvaluationStage.evaluate(f.plan(), f.heads(), f.features(), f.logits(), scores, cal,
        StageFixtures.quiet());
  }

  @Test
  void decisionAccuracyCountsRightAcceptedLabelsAndFlaggedOodItems() {
    double[] id = {0.1, 0.2, 0.9, 0.3};
    int[] labels = {1, 0, 1, -1}; // the last has no label: not counted
    int[] pred = {1, 1, 1, 0};
    double[] ood = {0.8, 0.4};
    // right and accepted: item 0 only (1 is wrong, 2 is rejected); OOD flagged: 0.8 only
    assertThat(EvaluationStage.decisionAccuracy(id, labels, pred, ood, 0.5)).isEqualTo(2.0 / 5);
  }

  @Test
  void headsAreEvaluatedOnTheirLabelledTestRows() {
    assertThat(eval.heads()).extracting(HeadResult::head).containsExactly("colour", "size", "gate");
    HeadResult colour = eval.heads().get(0);
    assertThat(colour.n()).isEqualTo(36);
    assertThat(colour.accuracy()).isEqualTo(1.0);
    assertThat(colour.auroc()).isNull();
    assertThat(colour.labels()).containsExactly("a", "b", "c");
    assertThat(eval.heads().get(1).auroc()).isNotNull();
  }

  @Test
  void theGateIsIdTestAgainstEveryEvaluationOodSet() {
    HeadResult gate = eval.heads().get(2);
    assertThat(gate.gate()).isTrue();
    assertThat(gate.labels()).containsExactly("in", "out");
    assertThat(gate.n()).isEqualTo(36 + 20);
    assertThat(gate.confusion()[1][0] + gate.confusion()[1][1]).isEqualTo(20);
  }

  @Test
  void everyMethodIsEvaluatedAgainstEveryOodSetAtItsOwnThreshold() {
    assertThat(eval.ood()).hasSize(6);
    for (OodResult r : eval.ood()) {
      assertThat(r.oodSet()).isEqualTo("far");
      double[] test = scores.of(r.method(), SetRole.TEST);
      double accepted = 0;
      for (double v : test) {
        accepted += v <= cal.threshold(r.method()) ? 1 : 0;
      }
      assertThat(r.idAccepted()).isCloseTo(accepted / test.length, within(1e-12));
    }
    OodResult fusion = eval.ood().get(5);
    assertThat(fusion.method()).isEqualTo("fusion");
    assertThat(fusion.auroc()).isGreaterThan(0.99);
    assertThat(fusion.oodAccepted()).isEqualTo(0.0);
  }
}
