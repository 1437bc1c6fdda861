package dev.cerberus.trainer.stage;

import dev.cerberus.model.bundle.BundleManifest.UnknownPolicy;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@link CalibrationStage}'s output.
 *
 * @param thresholds per method, the score above which an item is unknown
 * @param served the method written into bundle.json
 * @param policy the served method's policy with its threshold and target filled in
 * @param targetTpr the share of ID validation items each threshold accepts (at least)
 * @param validationTpr the share of ID validation items the served threshold accepts
 */
public record Calibration(Map<String, Double> thresholds, String served, UnknownPolicy policy,
    double targetTpr, double validationTpr) {

  public Calibration {
    thresholds = Collections.unmodifiableMap(new LinkedHashMap<>(thresholds));
  }

  public double threshold(String method) {
    return thresholds.get(method);
  }

  public double servedThreshold() {
    return thresholds.get(served);
  }
}
