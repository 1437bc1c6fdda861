package dev.cerberus.trainer.stage;

import dev.cerberus.trainer.eval.Metrics;
import dev.cerberus.trainer.ood.OodFitter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Stage 7, {@link OodScores} -> {@link Calibration}: every method's threshold accepting
 * {@code target_tpr} of the in-distribution validation items. Only validation scores are read,
 * never the evaluation OOD sets, so the served decision is chosen without them.
 */
public final class CalibrationStage {

  private CalibrationStage() {}

  public static Calibration calibrate(OodScores scores, String served, double targetTpr) {
    Map<String, Double> thresholds = new LinkedHashMap<>();
    for (String m : scores.scores().keySet()) {
      thresholds.put(m, Metrics.thresholdAtTpr(scores.of(m, SetRole.VAL), targetTpr));
    }
    double thr = thresholds.get(served);
    return new Calibration(thresholds, served,
        OodFitter.calibrated(scores.fitted().get(served).policy(), thr, targetTpr), targetTpr,
        Metrics.acceptedFraction(scores.of(served, SetRole.VAL), thr));
  }
}
