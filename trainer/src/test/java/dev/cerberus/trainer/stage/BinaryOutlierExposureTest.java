package dev.cerberus.trainer.stage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cerberus.model.heads.HeadMath;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A binary head trained with outliers is pushed to p = 0.5 on them (BCE to 0.5), so a bundle
 * of "base vs X" heads can say "none of these"; {@code outlier_exposure: false} turns it off.
 */
class BinaryOutlierExposureTest {

  @TempDir Path dir;

  /** Mean |p - 0.5| of the binary "size" head on the held-out outliers. */
  double distanceFromHalf(String config) {
    RunPlan plan = ConfigStage.plan(StageFixtures.config(dir, config));
    HeadFeatures hf = HeadFeatures.shared(plan.headNames(), StageFixtures.sets());
    TrainedHeads heads = HeadStage.train(plan, hf, StageFixtures.quiet());
    assertThat(heads.tasks().get(1).binary()).isTrue();
    float[][][] z = HeadLogits.of(heads, hf).of(SetRole.OUTLIERS_VAL);
    double sum = 0;
    for (float[][] item : z) {
      sum += Math.abs(HeadMath.probabilities(true, item[1], 0, 1)[1] - 0.5);
    }
    return sum / z.length;
  }

  @Test
  void binaryHeadsAreExposedToOutliersUnlessSwitchedOff() {
    String on = StageFixtures.CONFIG;
    String off = on.replace("base_label: small}", "base_label: small, outlier_exposure: false}");
    assertThat(off).isNotEqualTo(on);
    RunPlan plan = ConfigStage.plan(StageFixtures.config(dir, on));
    assertThat(HeadStage.tasks(plan, HeadFeatures.shared(plan.headNames(),
        StageFixtures.sets())).get(1).outlierExposure()).isTrue();
    double with = distanceFromHalf(on);
    double without = distanceFromHalf(off);
    System.out.printf("binary head on outliers: mean |p - 0.5| %.4f with OE, %.4f without%n",
        with, without);
    assertThat(with).isLessThan(without / 2);
  }
}
