package dev.cerberus.trainer.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.cerberus.model.heads.HeadMath;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeadStageTest {

  @TempDir Path dir;

  RunPlan plan() {
    return ConfigStage.plan(StageFixtures.config(dir, StageFixtures.CONFIG));
  }

  @Test
  void trainsEveryHeadAndTheGateOnRawFeatureRows() {
    RunPlan plan = plan();
    HeadFeatures hf = HeadFeatures.shared(plan.headNames(), StageFixtures.sets());
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    TrainedHeads heads = HeadStage.train(plan, hf, new PrintStream(log));
    assertThat(heads.names()).containsExactly("colour", "size", "gate");
    assertThat(heads.layers().get(0)).hasSize(2); // hidden [4]
    assertThat(heads.layers().get(0).get(0).in()).isEqualTo(2);
    // 90 ID rows + 30 outliers + 20 mixup rows; validation gets 36/90 of the 20
    assertThat(log.toString()).contains("training 3 head(s) on 140 rows (30 outliers, "
        + "20 mixup outliers for the gate), 52 validation rows");
    HeadLogits z = HeadLogits.of(heads, hf);
    FeatureSet test = hf.of(0).get(SetRole.TEST);
    int[] colour = Labels.of(test.samples(), plan.decisionHead());
    int[] pred = z.predictions(test.id(), 0);
    for (int i = 0; i < pred.length; i++) {
      assertThat(pred[i]).as("test row %d", i).isEqualTo(colour[i]);
    }
    // the gate says "out" (logit > 0) for held-out outliers, "in" for most known rows (a
    // linear gate also pushed out on mixups between classes cannot accept them all)
    assertThat(z.predictions(SetId.of(SetRole.OUTLIERS_VAL), 2)).containsOnly(1);
    assertThat(java.util.Arrays.stream(z.predictions(test.id(), 2)).sum()).isLessThan(18);
  }

  @Test
  void sameInputsGiveTheSameWeights() {
    RunPlan plan = plan();
    HeadFeatures hf = HeadFeatures.shared(plan.headNames(), StageFixtures.sets());
    TrainedHeads a = HeadStage.train(plan, hf, StageFixtures.quiet());
    TrainedHeads b = HeadStage.train(plan, hf, StageFixtures.quiet());
    for (int h = 0; h < a.layers().size(); h++) {
      for (int l = 0; l < a.layers().get(h).size(); l++) {
        assertThat(b.layers().get(h).get(l).weight()).isEqualTo(a.layers().get(h).get(l).weight());
        assertThat(b.layers().get(h).get(l).bias()).isEqualTo(a.layers().get(h).get(l).bias());
      }
    }
  }

  @Test
  void aHeadWithItsOwnFeaturesReadsThemAndTheOtherHeadsDoNotNotice() {
    RunPlan plan = plan();
    FeatureSets shared = StageFixtures.sets();
    HeadFeatures hf = HeadFeatures.shared(plan.headNames(), shared);
    // the size head's own source: the same rows scaled by 3 (standardisation undoes the
    // scale, so it learns the same function of its own rows)
    FeatureSets scaled = shared.map(rows -> {
      float[][] out = new float[rows.length][];
      for (int i = 0; i < rows.length; i++) {
        out[i] = new float[] {rows[i][0] * 3, rows[i][1] * 3};
      }
      return out;
    });
    HeadFeatures own = hf.withHead("size", scaled);
    TrainedHeads base = HeadStage.train(plan, hf, StageFixtures.quiet());
    TrainedHeads mixed = HeadStage.train(plan, own, StageFixtures.quiet());
    assertThat(mixed.layers().get(0).get(0).weight()).isEqualTo(base.layers().get(0).get(0).weight());
    assertThat(mixed.layers().get(2).get(0).weight()).isEqualTo(base.layers().get(2).get(0).weight());
    assertThat(mixed.layers().get(1).get(0).weight()).isNotEqualTo(base.layers().get(1).get(0).weight());
    float[][] test = shared.get(SetRole.TEST).features();
    float[][] test3 = scaled.get(SetRole.TEST).features();
    for (int i = 0; i < test.length; i++) {
      float ownLogit = HeadMath.logits(mixed.layers().get(1), test3[i])[0];
      float baseLogit = HeadMath.logits(base.layers().get(1), test[i])[0];
      assertThat(ownLogit).isCloseTo(baseLogit, within(1e-3f * (1 + Math.abs(baseLogit))));
    }
    // and the logits of every set follow each head's own rows
    HeadLogits z = HeadLogits.of(mixed, own);
    assertThat(z.of(SetRole.TEST)[0][1][0])
        .isEqualTo(HeadMath.logits(mixed.layers().get(1), test3[0])[0]);
  }

  @Test
  void standardisationUsesThePopulationDeviationWithAFloor() {
    float[][] rows = {{1, 5}, {3, 5}, {100, 100}};
    Standardisation s = Standardisation.fit(rows, new boolean[] {true, true, false}, 2);
    assertThat(s.mean()).containsExactly(2.0, 5.0);
    assertThat(s.std()).containsExactly(1.0, Standardisation.STD_FLOOR);
    assertThat(s.apply(new float[][] {{3, 5}})[0]).containsExactly(1.0, 0.0);
  }
}
