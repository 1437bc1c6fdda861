package dev.cerberus.trainer.stage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cerberus.trainer.stage.HeadPolicies.HeadPolicy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The overall "none of these" rates from given per-head and top-level scores. */
class HeadPolicyEvaluationTest {

  static final SetId TEST = SetId.of(SetRole.TEST);

  static HeadPolicy head(String name, int index, double threshold, double... scores) {
    return new HeadPolicy(name, index, null, null, Map.of(TEST, scores), threshold, 1);
  }

  @Test
  void anItemIsKnownWhenOneHeadAcceptsAndTheKeptTopLevelAccepts() {
    // item 0: only a accepts; 1: only b; 2: neither; 3: both, but the top level rejects it
    HeadPolicies heads = new HeadPolicies(List.of(head("a", 0, 1.0, 0.5, 2, 2, 0),
        head("b", 1, 1.0, 2, 1.0, 3, 0)));
    OodScores top = new OodScores(Map.of(), Map.of("knn", Map.of(TEST, new double[] {0, 0, 0, 9})));
    Calibration cal = new Calibration(Map.of("knn", 1.0), "knn", null, 0.95, 0.95);
    assertThat(HeadPolicyEvaluation.share(heads, top, cal, TEST, false)).isEqualTo(0.75);
    assertThat(HeadPolicyEvaluation.share(heads, top, cal, TEST, true)).isEqualTo(0.5);
  }
}
