package dev.cerberus.trainer.finetune;

import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.cerberus.trainer.config.TrainerConfig.FineTuneSchedule;

/**
 * The learning rate of top fine-tuning per optimiser step ({@code fine_tune.schedule}).
 * {@code warmup_linear}: rises linearly over the first {@link #WARMUP_FRACTION} of the steps
 * (step t of w: base x t / w), then falls linearly (step t of n: base x (n - t + 1) / (n - w + 1),
 * so the last step still moves). Steps are counted from 1, per parameter, as DJL's optimisers
 * count them; every parameter is updated once per batch, so the count is the batch number.
 */
public record LrSchedule(FineTuneSchedule kind, double base, int totalSteps) implements Tracker {

  /** Share of the steps spent warming up (the 10 % of the Python exploration and of BERT). */
  public static final double WARMUP_FRACTION = 0.1;

  public LrSchedule {
    if (!(base > 0) || totalSteps < 1) {
      throw new IllegalArgumentException("LrSchedule: base > 0 and totalSteps >= 1");
    }
  }

  int warmupSteps() {
    return Math.max(1, (int) Math.round(WARMUP_FRACTION * totalSteps));
  }

  @Override
  public float getNewValue(int step) {
    if (kind == FineTuneSchedule.CONSTANT) return (float) base;
    int t = Math.max(1, Math.min(step, totalSteps));
    int w = warmupSteps();
    if (t <= w) return (float) (base * t / w);
    return (float) (base * (totalSteps - t + 1) / (totalSteps - w + 1));
  }

  /** AdamW at this schedule; constant gives the plain fixed tracker (bit-identical to before). */
  Optimizer adamW(double weightDecay) {
    Tracker t = kind == FineTuneSchedule.CONSTANT ? Tracker.fixed((float) base) : this;
    return Optimizer.adamW().optLearningRateTracker(t).optWeightDecays((float) weightDecay).build();
  }

  /** AdamW for {@code totalSteps} steps of {@code kind} at base rate {@code lr}. */
  static Optimizer adamW(FineTuneSchedule kind, double lr, int totalSteps, double wd) {
    return new LrSchedule(kind, lr, Math.max(1, totalSteps)).adamW(wd);
  }
}
