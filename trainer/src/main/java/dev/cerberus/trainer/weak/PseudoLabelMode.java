package dev.cerberus.trainer.weak;

import java.util.Locale;

/** How a head's probabilities on a row it has no label for become supervision. */
public enum PseudoLabelMode {
  /** The most probable class, only where the confidence reaches the threshold; else masked. */
  HARD,
  /** The probabilities themselves as the target (binary: P(positive); multiclass: the row). */
  SOFT;

  /** The config spelling ({@code hard}, {@code soft}). */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** From the config spelling; the config loader has already checked it. */
  public static PseudoLabelMode fromConfig(String name) {
    for (PseudoLabelMode m : values()) {
      if (m.configName().equals(name)) {
        return m;
      }
    }
    throw new IllegalArgumentException("weak_supervision.mode: hard or soft, got " + name);
  }
}
