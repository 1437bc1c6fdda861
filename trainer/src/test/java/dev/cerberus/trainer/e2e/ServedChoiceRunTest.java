package dev.cerberus.trainer.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cerberus.model.GraphOptions;
import dev.cerberus.model.ItemPrediction;
import dev.cerberus.model.ServableModel;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.model.input.ModelInput;
import dev.cerberus.model.input.PreparedInput;
import dev.cerberus.model.testing.FixtureBundles;
import dev.cerberus.trainer.TrainingRun;
import dev.cerberus.trainer.TrainingRunTest;
import dev.cerberus.trainer.config.ConfigException;
import dev.cerberus.trainer.config.ConfigLoader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ood.serve: auto} on the model module's split fixture backbone (real DJL): the trainer
 * chooses the served decision on known validation vs held-out outliers, records every candidate
 * in metrics.json and report.html, and the bundle serves exactly the chosen decision.
 */
class ServedChoiceRunTest {

  @TempDir static Path dir;
  static TrainingRun.Result result;
  static String log;

  static final String CONFIG = """
      name: auto
      seed: 11
      output: out/auto/1
      cache_dir: cache
      backbone:
        split: {trunk: fixture/split/trunk.pt, top: fixture/split/top.pt}
        feature_size: 8
        batch_size: 16
        threads: 1
      input:
        kind: image
        image: {width: 16, height: 16, mean: [0.5, 0.4, 0.3], std: [0.25, 0.2, 0.3]}
      data:
        train: [{images: train, task: colour}]
        val: [{images: val, task: colour}]
        test: [{images: test, task: colour}]
      heads:
        - {name: colour, kind: multiclass, labels: [red, green, blue]}
      outliers: [{name: grey, images: grey}]
      ood_sets: [{name: checkers, images: checkers}]
      ood:
        methods: [max_softmax, energy, mahalanobis, knn]
        serve: auto
        holdout_fraction: 0.25
        target_tpr: 0.9
        knn_k: 3
      training: {epochs: 20, learning_rate: 0.01, batch_size: 32, patience: 5}
      """;

  @BeforeAll
  static void trainOnce() throws IOException {
    FixtureBundles.copyTo(FixtureBundles.SPLIT, dir.resolve("fixture"));
    TrainingRunTest.colourFolder(dir.resolve("train"), 120, 1);
    TrainingRunTest.colourFolder(dir.resolve("val"), 60, 2);
    TrainingRunTest.colourFolder(dir.resolve("test"), 60, 3);
    TrainingRunTest.outlierPngs(dir, 40);
    Files.writeString(dir.resolve("auto.yaml"), CONFIG);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    result = new TrainingRun(ConfigLoader.load(dir.resolve("auto.yaml")), new PrintStream(out))
        .runAll();
    log = out.toString();
  }

  static JsonNode json(Path p) throws IOException {
    return new ObjectMapper().readTree(p.toFile());
  }

  @Test
  void metricsRecordEveryCandidateAndTheChoice() throws IOException {
    JsonNode u = json(result.bundle().resolve("metrics.json")).path("unknown");
    assertThat(u.path("method").asText()).isEqualTo("auto");
    JsonNode c = u.path("choice");
    // 4 singles + fusions of the best 2, 3, 4; 10 of the 40 outliers held out (0.25)
    assertThat(c.path("candidates")).hasSize(7);
    assertThat(c.path("held_out_outliers").asInt()).isEqualTo(10);
    assertThat(c.path("known_validation").asInt()).isEqualTo(60);
    String chosen = c.path("chosen").asText();
    double best = Double.MAX_VALUE;
    for (JsonNode k : c.path("candidates")) {
      best = Math.min(best, k.path("validation_fpr").asDouble());
    }
    for (JsonNode k : c.path("candidates")) {
      if (k.path("name").asText().equals(chosen)) {
        assertThat(k.path("validation_fpr").asDouble()).isEqualTo(best);
      }
    }
    assertThat(log).contains("<- served");
    assertThat(Files.readString(result.bundle().resolve("report.html")))
        .contains("Served decision chosen by rule").contains(chosen);
  }

  @Test
  void bundleServesTheChosenDecisionAtItsThreshold() throws Exception {
    JsonNode m = json(result.bundle().resolve("metrics.json"));
    JsonNode policy = json(result.bundle().resolve("bundle.json")).path("unknown");
    JsonNode members = m.path("unknown").path("choice").path("members");
    String expect = members.size() > 1 ? "fusion" : members.get(0).asText();
    assertThat(policy.path("method").asText()).isEqualTo(expect);
    double thr = m.path("unknown").path("threshold").asDouble();
    assertThat(policy.path("threshold").asDouble()).isCloseTo(thr, within(1e-12));
    // the served scores are the trainer's "auto" scores, item for item
    double[] trained = result.scores().of("auto", dev.cerberus.trainer.stage.SetRole.TEST);
    try (ServableModel model = ServableModel.load(result.bundle(), GraphOptions.defaults())) {
      List<PreparedInput> batch = new ArrayList<>();
      List<Path> files = new ArrayList<>();
      for (String col : TrainingRunTest.COLOURS) {
        try (var l = Files.list(dir.resolve("test/" + col))) {
          files.addAll(l.sorted().toList());
        }
      }
      for (Path p : files) {
        batch.add(model.prepare(new ModelInput.Image(Files.readAllBytes(p)), InputLimits.defaults()));
      }
      List<ItemPrediction> out = model.forward(batch);
      assertThat(out).hasSize(trained.length);
      List<Double> served = out.stream().map(p -> (double) p.oodScore()).toList();
      List<Double> sortedServed = served.stream().sorted().toList();
      List<Double> sortedTrained = java.util.Arrays.stream(trained).sorted().boxed().toList();
      for (int i = 0; i < trained.length; i++) {
        assertThat(sortedServed.get(i)).isCloseTo(sortedTrained.get(i), within(1e-3));
      }
    }
  }

  @Test
  void autoMixupAddsRowsBetweenKnownClassesAsASecondProxy() throws IOException {
    Files.writeString(dir.resolve("mix.yaml"), CONFIG.replace("out/auto/1", "out/mix/1")
        .replace("holdout_fraction: 0.25", "holdout_fraction: 0.25\n  auto_mixup: 50"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Path b = new TrainingRun(ConfigLoader.load(dir.resolve("mix.yaml")), new PrintStream(out))
        .run();
    JsonNode c = json(b.resolve("metrics.json")).path("unknown").path("choice");
    for (JsonNode k : c.path("candidates")) {
      JsonNode by = k.path("by_proxy");
      assertThat(by.has("outliers-val") && by.has("mixup-val")).isTrue();
      double mean = (by.path("outliers-val").path("fpr").asDouble()
          + by.path("mixup-val").path("fpr").asDouble()) / 2;
      assertThat(k.path("validation_fpr").asDouble()).isCloseTo(mean, within(1e-12));
    }
    assertThat(out.toString()).contains("mixup-val FPR");
    Files.writeString(dir.resolve("mixfix.yaml"), CONFIG.replace("serve: auto", "serve: knn")
        .replace("holdout_fraction: 0.25", "auto_mixup: 50"));
    assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("mixfix.yaml")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("ood.auto_mixup: a count >= 0, only with ood.serve: auto, got 50");
  }

  @Test
  void autoWithoutOutliersOrWithABadFractionIsAOneLineConfigError() throws IOException {
    Files.writeString(dir.resolve("noout.yaml"),
        CONFIG.replace("outliers: [{name: grey, images: grey}]\n", ""));
    assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("noout.yaml")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("ood.serve: auto needs outliers:");
    Files.writeString(dir.resolve("frac.yaml"), CONFIG.replace("holdout_fraction: 0.25",
        "holdout_fraction: 1.5"));
    assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("frac.yaml")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("ood.holdout_fraction: in (0,1), got 1.5");
  }
}
