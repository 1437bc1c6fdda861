package dev.cerberus.trainer.stage;

/**
 * What a set of items is for. The fixed roles hold one set each; {@link #OOD_EVAL} holds any
 * number of named evaluation OOD sets (never trained on, never used to choose anything).
 */
public enum SetRole {
  TRAIN("train"),
  VAL("val"),
  TEST("test"),
  OUTLIERS_TRAIN("outliers-train"),
  OUTLIERS_VAL("outliers-val"),
  OOD_EVAL("ood-eval");

  private final String key;

  SetRole(String key) {
    this.key = key;
  }

  /** The name in metrics.json, logs and the feature cache's labels. */
  public String key() {
    return key;
  }
}
