package dev.cerberus.trainer.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.cerberus.trainer.config.TrainerConfig.FineTuneSchedule;
import org.junit.jupiter.api.Test;

class LrScheduleTest {

  @Test
  void constantIsTheBaseRateAtEveryStep() {
    LrSchedule s = new LrSchedule(FineTuneSchedule.CONSTANT, 1e-3, 50);
    for (int t = 1; t <= 60; t++) assertThat(s.getNewValue(t)).isEqualTo(1e-3f);
  }

  @Test
  void warmupLinearRisesOverTenPercentThenFallsToTheLastStep() {
    LrSchedule s = new LrSchedule(FineTuneSchedule.WARMUP_LINEAR, 1.0, 100);
    assertThat(s.warmupSteps()).isEqualTo(10);
    assertThat(s.getNewValue(1)).isCloseTo(0.1f, within(1e-6f));
    assertThat(s.getNewValue(5)).isCloseTo(0.5f, within(1e-6f));
    assertThat(s.getNewValue(10)).isEqualTo(1f);
    assertThat(s.getNewValue(11)).isCloseTo(90f / 91f, within(1e-6f));
    assertThat(s.getNewValue(100)).isCloseTo(1f / 91f, within(1e-6f)).isPositive();
    for (int t = 11; t < 100; t++) assertThat(s.getNewValue(t + 1)).isLessThan(s.getNewValue(t));
    // DJL counts from 1; a 0 or a step past the end is clamped, never negative
    assertThat(s.getNewValue(0)).isEqualTo(s.getNewValue(1));
    assertThat(s.getNewValue(500)).isEqualTo(s.getNewValue(100));
  }

  @Test
  void tinyRunsStillWarmUpForOneStep() {
    LrSchedule s = new LrSchedule(FineTuneSchedule.WARMUP_LINEAR, 2.0, 3);
    assertThat(s.warmupSteps()).isEqualTo(1);
    assertThat(s.getNewValue(1)).isEqualTo(2f);
    assertThat(s.getNewValue(3)).isCloseTo(2f / 3f, within(1e-6f));
  }

  @Test
  void refusesNonsense() {
    assertThatThrownBy(() -> new LrSchedule(FineTuneSchedule.CONSTANT, 0, 10))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new LrSchedule(FineTuneSchedule.CONSTANT, 1, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
