package dev.cerberus.trainer.ood;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What {@code ood.serve: auto} chooses on ({@code ood.selection}): trainer/README.md
 * "Choosing the served decision".
 */
public enum Selection {
  /** Known validation vs the held-out training outliers ({@link ServedChoice}). */
  @JsonProperty("holdout") HOLDOUT,
  /**
   * Leave-one-known-class-out pseudo near-OOD, with the held-out training outliers as a far
   * constraint ({@link LocoChoice}).
   */
  @JsonProperty("loco") LOCO
}
