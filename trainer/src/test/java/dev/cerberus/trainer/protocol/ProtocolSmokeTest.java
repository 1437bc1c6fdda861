package dev.cerberus.trainer.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cerberus.model.testing.FixtureBundles;
import dev.cerberus.trainer.TrainingRunTest;
import dev.cerberus.trainer.config.ConfigException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The protocol runner end to end on tiny data (the default test run's smoke of
 * bench/ood-protocol.sh): two class splits of three noisy colours (2 known, the third near-OOD)
 * on the model module's split fixture backbone, real DJL training, ood.serve: auto set by
 * override; then the per-split and mean +- sd tables.
 */
class ProtocolSmokeTest {

  @TempDir static Path dir;
  static List<SplitResult> results;
  static String log;

  static final String TEMPLATE = """
      name: smoke
      seed: 3
      output: unused
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
        train: [{images: somewhere, task: colour}]
        val: [{images: somewhere, task: colour}]
        test: [{images: somewhere, task: colour}]
      heads:
        - {name: colour, kind: multiclass, labels: [a, b]}
      outliers: [{name: grey, images: somewhere}]
      ood_sets: [{name: near-ood, images: somewhere}, {name: checkers, images: somewhere}]
      ood:
        methods: [max_softmax, energy, knn, fusion]
        fusion: [knn, energy]
        serve: fusion
        target_tpr: 0.9
        knn_k: 3
      training: {epochs: 10, learning_rate: 0.01, batch_size: 32, patience: 4}
      """;

  /** A split folder: two known colours, the third one's test images as near-OOD. */
  static Path split(String name, int seed, String a, String b, String near) throws IOException {
    Path s = dir.resolve("data/" + name);
    for (String role : List.of("train", "val", "test")) {
      for (String c : List.of(a, b)) {
        copy(dir.resolve("all/" + role + "/" + c), s.resolve(role + "/" + c));
      }
    }
    copy(dir.resolve("all/test/" + near), s.resolve("near-ood"));
    copy(dir.resolve("all/grey"), s.resolve("grey"));
    copy(dir.resolve("all/checkers"), s.resolve("checkers"));
    Files.writeString(s.resolve("split.json"), "{\"split_seed\": " + seed + ", \"known\": [\""
        + a + "\", \"" + b + "\"], \"near_ood\": [\"" + near + "\"]}\n");
    return s;
  }

  static void copy(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> l = Files.list(from)) {
      for (Path p : l.toList()) {
        Files.copy(p, to.resolve(p.getFileName()));
      }
    }
  }

  @BeforeAll
  static void runTwoSplits() throws IOException {
    FixtureBundles.copyTo(FixtureBundles.SPLIT, dir.resolve("fixture"));
    TrainingRunTest.colourFolder(dir.resolve("all/train"), 90, 1);
    TrainingRunTest.colourFolder(dir.resolve("all/val"), 45, 2);
    TrainingRunTest.colourFolder(dir.resolve("all/test"), 45, 3);
    TrainingRunTest.outlierPngs(dir.resolve("all"), 30);
    Files.writeString(dir.resolve("template.yaml"), TEMPLATE);
    List<Path> splits = List.of(split("split-1", 1, "red", "green", "blue"),
        split("split-2", 2, "blue", "red", "green"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    results = ProtocolMain.run(dir.resolve("template.yaml"), splits, dir.resolve("work"),
        List.of("ood.serve=auto", "ood.holdout_fraction=0.2"), "near-ood", new PrintStream(out));
    log = out.toString();
    ProtocolMain.write(results, dir.resolve("results/smoke"), "smoke");
  }

  @Test
  void everySplitIsTrainedWithItsOwnKnownClassesAndTheRuleServes() throws IOException {
    assertThat(results).extracting(r -> r.split().known())
        .containsExactly(List.of("red", "green"), List.of("blue", "red"));
    JsonNode m = new ObjectMapper().readTree(
        dir.resolve("work/split-2/bundle/metrics.json").toFile());
    assertThat(m.path("heads").get(0).path("labels").toString()).isEqualTo("[\"blue\",\"red\"]");
    for (SplitResult r : results) {
      assertThat(r.served()).isEqualTo("auto");
      assertThat(r.methods()).containsKeys("max_softmax", "energy", "knn", "fusion", "auto");
      assertThat(r.methods().get("auto").farAuroc()).containsOnlyKeys("checkers");
      assertThat(r.idAccuracy()).isGreaterThan(0.9);
    }
    assertThat(log).contains("split-1 (known [red, green]): trained");
  }

  @Test
  void tablesCarryEverySplitAndTheMeanAndSd() throws IOException {
    JsonNode j = new ObjectMapper().readTree(dir.resolve("results/smoke.json").toFile());
    assertThat(j.path("splits")).hasSize(2);
    assertThat(j.path("splits").get(0).path("targets").has("served_fpr95_at_or_below_best_single"))
        .isTrue();
    assertThat(j.path("mean_sd").path("auto").path("near_auroc").path("sd").isNumber()).isTrue();
    assertThat(j.path("mean_sd").path("knn").has("far_auroc_checkers")).isTrue();
    String md = Files.readString(dir.resolve("results/smoke.md"));
    assertThat(md).contains("| split-1 | red, green |").contains("Mean +- sd over 2 splits")
        .contains("| auto |");
  }

  @Test
  void anUnchangedSplitIsReusedNotRetrained() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    var again = ProtocolMain.run(dir.resolve("template.yaml"),
        List.of(dir.resolve("data/split-1")), dir.resolve("work"),
        List.of("ood.serve=auto", "ood.holdout_fraction=0.2"), "near-ood", new PrintStream(out));
    assertThat(out.toString()).contains("split-1 (known [red, green]): reused");
    assertThat(again.get(0).methods().get("auto").nearAuroc())
        .isEqualTo(results.get(0).methods().get("auto").nearAuroc());
  }

  @Test
  void tooFewKnownClassesOrNoSplitFileAreOneLineErrors() throws IOException {
    Path bad = dir.resolve("data/bad");
    Files.createDirectories(bad);
    assertThatThrownBy(() -> Split.read(bad)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("bad/split.json: missing");
    Files.writeString(bad.resolve("split.json"), "{\"known\": [\"red\"]}");
    assertThatThrownBy(() -> Split.read(bad)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("split.json: known: a multiclass decision head needs at least 2")
        .hasMessageNotContaining("\n");
  }

  @Test
  void overridesReachListsAndBadPathsAreOneLineErrors() throws IOException {
    Path cfg = SplitConfig.write(dir.resolve("template.yaml"), Split.read(dir.resolve(
        "data/split-1")), dir.resolve("work-o"), List.of("heads.0.outlier_exposure=false",
        "gate={name: gate}"));
    JsonNode c = new ObjectMapper().readTree(cfg.toFile());
    assertThat(c.path("heads").get(0).path("outlier_exposure").asBoolean(true)).isFalse();
    assertThat(c.path("gate").path("name").asText()).isEqualTo("gate");
    assertThat(c.path("ood_sets").get(1).path("images").asText()).endsWith("split-1/checkers");
    assertThatThrownBy(() -> SplitConfig.write(dir.resolve("template.yaml"),
        Split.read(dir.resolve("data/split-1")), dir.resolve("work-o"),
        List.of("heads.3.hidden=[4]"))).isInstanceOf(ConfigException.class)
        .hasMessage("--set heads.3.hidden=[4]: index 3 outside the list of 1");
  }
}
