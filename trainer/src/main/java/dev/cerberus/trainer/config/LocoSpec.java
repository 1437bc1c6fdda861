package dev.cerberus.trainer.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Settings of {@code ood.selection: loco} ({@code ood.loco}; trainer.ood.LocoChoice), apart
 * from {@link TrainerConfig} to keep that file small.
 *
 * @param farMinAuroc the far constraint: a candidate is eligible when its AUROC on the held-out
 *     training outliers vs the known validation items reaches this (else the best such AUROC
 *     wins eligibility); default {@link #DEFAULT_FAR_MIN_AUROC}
 * @param headSteps full-batch Adam steps of each fold's linear head and gate refit; default
 *     {@link #DEFAULT_HEAD_STEPS} (a linear head on standardised features is settled by then)
 * @param headLearningRate their Adam step size; default {@link #DEFAULT_HEAD_LEARNING_RATE}
 * @param far what the far constraint reads ({@link Far}); default {@code served}
 */
public record LocoSpec(Double farMinAuroc, Integer headSteps, Double headLearningRate,
    Far far) {

  /** What the far constraint reads ({@code ood.loco.far}). */
  public enum Far {
    /** The served model's scores on the held-out training outliers (default). */
    @JsonProperty("served") SERVED,
    /**
     * The lower of that and the same methods refitted without training outliers (no outlier
     * exposure; the gate, which needs outliers, counts as unmeasured): the outlier-trained
     * scores reject held-out letters because they trained on letters, which says nothing of
     * far-OOD kinds never trained on.
     */
    @JsonProperty("unseen") UNSEEN
  }

  /** The far-OOD bar (AUROC >= .99 on every far set), applied to the proxy. */
  public static final double DEFAULT_FAR_MIN_AUROC = 0.99;
  public static final int DEFAULT_HEAD_STEPS = 100;
  public static final double DEFAULT_HEAD_LEARNING_RATE = 0.01;

  public LocoSpec {
    farMinAuroc = farMinAuroc == null ? DEFAULT_FAR_MIN_AUROC : farMinAuroc;
    headSteps = headSteps == null ? DEFAULT_HEAD_STEPS : headSteps;
    headLearningRate = headLearningRate == null ? DEFAULT_HEAD_LEARNING_RATE : headLearningRate;
    far = far == null ? Far.SERVED : far;
  }

  static LocoSpec defaults() {
    return new LocoSpec(null, null, null, null);
  }
}
