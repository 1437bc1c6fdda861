package dev.cerberus.trainer.stage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cerberus.trainer.ood.FittedScore;
import dev.cerberus.trainer.ood.OodFitter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CalibrationStageTest {

  static OodScores scores(double[] val, double[] test) {
    OodFitter.Inputs in = new OodFitter.Inputs("colour", 0, 3, null, -1, new float[0][],
        new int[0], 1.0, 3, 10, 0.01, 1);
    Map<String, FittedScore> fitted = new LinkedHashMap<>();
    fitted.put("max_softmax", OodFitter.fit("max_softmax", in));
    fitted.put("energy", OodFitter.fit("energy", in));
    Map<String, Map<SetId, double[]>> s = new LinkedHashMap<>();
    for (String m : fitted.keySet()) {
      Map<SetId, double[]> bySet = new LinkedHashMap<>();
      bySet.put(SetId.of(SetRole.VAL), m.equals("energy") ? negate(val) : val);
      bySet.put(SetId.of(SetRole.TEST), test);
      s.put(m, bySet);
    }
    return new OodScores(fitted, s);
  }

  static double[] negate(double[] v) {
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = -v[i];
    }
    return out;
  }

  @Test
  void eachMethodsThresholdAcceptsTheTargetShareOfValidationItems() {
    double[] val = new double[20];
    for (int i = 0; i < val.length; i++) {
      val[i] = i; // 0..19
    }
    // the test scores must not move any threshold: calibration reads validation only
    Calibration c = CalibrationStage.calibrate(scores(val, new double[] {1e9, -1e9}), "energy", 0.9);
    assertThat(c.thresholds().keySet()).containsExactly("max_softmax", "energy");
    int accepted = 0;
    for (double v : val) {
      accepted += v <= c.threshold("max_softmax") ? 1 : 0;
    }
    assertThat(accepted).isEqualTo(18);
    assertThat(c.served()).isEqualTo("energy");
    assertThat(c.validationTpr()).isEqualTo(0.9);
    assertThat(c.policy().method()).isEqualTo("energy");
    assertThat(c.policy().threshold()).isEqualTo(c.servedThreshold());
    assertThat(c.policy().calibratedTpr()).isEqualTo(0.9);
    assertThat(c.policy().temperature()).isEqualTo(1.0);
  }
}
