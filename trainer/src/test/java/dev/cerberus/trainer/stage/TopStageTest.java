package dev.cerberus.trainer.stage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cerberus.model.testing.FixtureBundles;
import dev.cerberus.trainer.TrainingRunTest;
import dev.cerberus.trainer.config.ConfigLoader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared top on the model module's split fixture (trunk + top), real engine. */
class TopStageTest {

  @TempDir static Path dir;

  static final String CONFIG = """
      name: top
      seed: 3
      output: out/top/1
      cache_dir: cache
      backbone:
        split: {trunk: fixture/split/trunk.pt, top: fixture/split/top.pt}
        feature_size: 8
        batch_size: 8
        threads: 1
      input:
        kind: image
        image: {width: 16, height: 16}
      data:
        train: [{images: train, task: colour}]
      heads:
        - {name: colour, kind: multiclass, labels: [red, green, blue]}
      gate: {name: gate}
      outliers: [{name: grey, images: grey}]
      ood_sets: [{name: checkers, images: checkers}]
      """;

  static RunPlan plan;
  static Features trunk;

  @BeforeAll
  static void extract() throws IOException {
    FixtureBundles.copyTo(FixtureBundles.SPLIT, dir.resolve("fixture"));
    TrainingRunTest.colourFolder(dir.resolve("train"), 30, 2);
    TrainingRunTest.outlierPngs(dir, 10);
    plan = plan("top.yaml", CONFIG);
    trunk = FeatureStage.extract(plan, DatasetStage.read(plan, StageFixtures.quiet()),
        StageFixtures.quiet());
  }

  static RunPlan plan(String name, String yaml) throws IOException {
    Files.writeString(dir.resolve(name), yaml);
    return ConfigStage.plan(ConfigLoader.load(dir.resolve(name)));
  }

  @Test
  void aFrozenTopTurnsTrunkRowsIntoPooledFeaturesForEveryHead() throws IOException {
    Tops tops = TopStage.run(plan, trunk, StageFixtures.quiet());
    try {
      assertThat(trunk.sets().get(SetRole.TRAIN).features()[0].length).isGreaterThan(8);
      FeatureSets colour = tops.features().of("colour");
      assertThat(colour.get(SetRole.TRAIN).features()[0]).hasSize(8);
      assertThat(colour.get(SetRole.TEST).samples()).isEqualTo(trunk.sets().get(SetRole.TEST).samples());
      assertThat(tops.features().of("gate")).isSameAs(colour);
      assertThat(tops.fineTune()).isNull();
      assertThat(tops.topFile()).isRegularFile();
    } finally {
      Files.deleteIfExists(tops.topFile());
    }
  }

  @Test
  void fineTuningChangesTheTopAndReportsEveryEpoch() throws IOException {
    RunPlan ft = plan("ft.yaml", CONFIG.replace("  feature_size: 8\n",
        "  fine_tune: {epochs: 2, learning_rate: 0.01, head_learning_rate: 0.05, batch_size: 8}\n"
            + "  feature_size: 8\n"));
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    Tops frozen = TopStage.run(plan, trunk, StageFixtures.quiet());
    Tops tuned = TopStage.run(ft, trunk, new PrintStream(log));
    try {
      assertThat(tuned.fineTune().epochs()).hasSize(2);
      assertThat(tuned.fineTune().report()).containsKeys("epochs", "seconds");
      assertThat(log.toString()).contains("fine-tuning the top");
      assertThat(Files.readAllBytes(tuned.topFile())).isNotEqualTo(Files.readAllBytes(frozen.topFile()));
      assertThat(tuned.features().of(0).get(SetRole.TEST).features())
          .isNotEqualTo(frozen.features().of(0).get(SetRole.TEST).features());
    } finally {
      Files.deleteIfExists(frozen.topFile());
      Files.deleteIfExists(tuned.topFile());
    }
  }

  @Test
  void aWholeBackbonePassesItsRowsThrough() throws IOException {
    RunPlan whole = new RunPlan(plan.loaded(), plan.decisionHead(), plan.backboneFile(), null,
        plan.input(), plan.labelsByTask(), plan.headNames(), plan.gateName());
    Tops tops = TopStage.run(whole, trunk, StageFixtures.quiet());
    assertThat(tops.topFile()).isNull();
    assertThat(tops.features().of("colour")).isSameAs(trunk.sets());
  }
}
