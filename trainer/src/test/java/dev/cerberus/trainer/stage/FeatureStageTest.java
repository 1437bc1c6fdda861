package dev.cerberus.trainer.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cerberus.model.testing.FixtureBundles;
import dev.cerberus.trainer.TrainerException;
import dev.cerberus.trainer.TrainingRunTest;
import dev.cerberus.trainer.config.ConfigLoader;
import dev.cerberus.trainer.data.DataException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Extraction on the real engine with the model module's 16x16 fixture backbone. */
class FeatureStageTest {

  @TempDir static Path dir;

  static final String CONFIG = """
      name: feat
      output: out/feat/1
      cache_dir: cache
      backbone: {file: fixture/image/backbone.pt, feature_size: 8, batch_size: 4, threads: 1}
      input:
        kind: image
        image: {width: 16, height: 16}
      data:
        train: [{images: train, task: colour}]
        val_fraction: 0.2
        test_fraction: 0.2
      heads:
        - {name: colour, kind: multiclass, labels: [red, green, blue]}
      outliers: [{name: grey, images: grey}]
      ood_sets: [{name: checkers, images: checkers}]
      """;

  @BeforeAll
  static void data() throws IOException {
    FixtureBundles.copyTo(FixtureBundles.IMAGE, dir.resolve("fixture"));
    TrainingRunTest.colourFolder(dir.resolve("train"), 15, 1);
    TrainingRunTest.outlierPngs(dir, 10);
    Files.writeString(dir.resolve("grey/corrupt.png"), "not a png");
  }

  static RunPlan plan(String name, String yaml) throws IOException {
    Files.writeString(dir.resolve(name), yaml);
    return ConfigStage.plan(ConfigLoader.load(dir.resolve(name)));
  }

  @Test
  void everySetIsExtractedCorruptItemsAreDroppedAndASecondRunReadsTheCache() throws IOException {
    RunPlan plan = plan("feat.yaml", CONFIG);
    Datasets data = DatasetStage.read(plan, StageFixtures.quiet());
    Features f = FeatureStage.extract(plan, data, StageFixtures.quiet());
    assertThat(f.sets().all()).extracting(s -> s.id().name())
        .containsExactly("train", "val", "test", "outliers-train", "outliers-val", "checkers");
    assertThat(f.sets().get(SetRole.TRAIN).size()).isEqualTo(9);
    assertThat(f.sets().get(SetRole.TRAIN).features()[0]).hasSize(8);
    // 11 grey files, one corrupt: 10 usable rows between outliers-train and outliers-val
    int outliers = f.sets().get(SetRole.OUTLIERS_TRAIN).size() + f.sets().get(SetRole.OUTLIERS_VAL).size();
    assertThat(outliers).isEqualTo(10);
    assertThat(f.extraction().corruptSkipped()).isEqualTo(1);
    assertThat(f.extraction().corruptFiles()).singleElement().asString().endsWith("corrupt.png");
    assertThat(f.extraction().backboneSha256()).isEqualTo(
        dev.cerberus.trainer.features.FeatureCache.sha256(plan.backboneFile()));
    Features again = FeatureStage.extract(plan, data, StageFixtures.quiet());
    assertThat(again.extraction().extracted()).isZero();
    assertThat(again.sets().get(SetRole.TEST).features())
        .isDeepEqualTo(f.sets().get(SetRole.TEST).features());
  }

  @Test
  void onCorruptFailStopsAtTheFirstCorruptFile() throws IOException {
    RunPlan plan = plan("fail.yaml", CONFIG.replace("  test_fraction: 0.2\n",
        "  test_fraction: 0.2\n  on_corrupt: fail\n"));
    Datasets data = DatasetStage.read(plan, StageFixtures.quiet());
    assertThatThrownBy(() -> FeatureStage.extract(plan, data, StageFixtures.quiet()))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("corrupt.png: not a decodable image");
  }

  @Test
  void aFeatureSizeTheBackboneDoesNotOutputIsAClearError() throws IOException {
    RunPlan plan = plan("wide.yaml", CONFIG.replace("feature_size: 8", "feature_size: 12"));
    Datasets data = DatasetStage.read(plan, StageFixtures.quiet());
    assertThatThrownBy(() -> FeatureStage.extract(plan, data, StageFixtures.quiet()))
        .isInstanceOf(TrainerException.class)
        .hasMessageContaining("config says 12").hasMessageContaining("outputs 8");
  }
}
