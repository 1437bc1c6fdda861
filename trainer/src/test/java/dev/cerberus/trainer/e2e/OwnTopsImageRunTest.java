package dev.cerberus.trainer.e2e;

import static org.assertj.core.api.Assertions.assertThat;

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
import dev.cerberus.trainer.config.ConfigLoader;
import dev.cerberus.trainer.data.Item;
import dev.cerberus.trainer.data.Sample;
import dev.cerberus.trainer.stage.SetRole;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-head tops end to end on the image split fixture (the model module's 16x16 trunk + top):
 * "is red" and "is green" binary heads with their own tops beside a shared colour head; the
 * trunk maps come from the feature cache, computed once for all heads.
 */
class OwnTopsImageRunTest {

  @TempDir static Path dir;
  static TrainingRun.Result run;

  static final String CONFIG = """
      name: image-own
      seed: 11
      output: out/%s/1
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
        train: [{jsonl: train.jsonl}]
        val: [{jsonl: val.jsonl}]
        test: [{jsonl: test.jsonl}]
      heads:
        - {name: colour, kind: multiclass, labels: [red, green, blue]}
        - name: red
          kind: binary
          labels: [other, red]
          top: own
          fine_tune: {epochs: 2, learning_rate: 0.01, head_learning_rate: 0.05, batch_size: 32}
        - name: green
          kind: binary
          labels: [other, green]
          top: own
          fine_tune: {epochs: 2, learning_rate: 0.01, head_learning_rate: 0.05, batch_size: 32}
      outliers: [{name: grey, images: grey}]
      ood_sets: [{name: checkers, images: checkers}]
      ood:
        methods: [max_softmax, mahalanobis, knn]
        serve: knn
        head: colour
        knn_k: 3
      training: {epochs: 20, learning_rate: 0.01, batch_size: 32, patience: 5}
      """;

  /** Images of a colour folder as JSONL rows labelled for all three tasks. */
  static void jsonl(String set, int n, long seed) throws IOException {
    TrainingRunTest.colourFolder(dir.resolve(set), n, seed);
    List<String> rows = new ArrayList<>();
    for (String c : TrainingRunTest.COLOURS) {
      try (Stream<Path> files = Files.list(dir.resolve(set).resolve(c))) {
        for (Path p : files.sorted().toList()) {
          rows.add("{\"image\": \"" + dir.relativize(p) + "\", \"labels\": {\"colour\": \"" + c
              + "\", \"red\": \"" + (c.equals("red") ? "red" : "other") + "\", \"green\": \""
              + (c.equals("green") ? "green" : "other") + "\"}}");
        }
      }
    }
    Files.write(dir.resolve(set + ".jsonl"), rows);
  }

  static TrainingRun.Result train(String out) throws IOException {
    Files.writeString(dir.resolve(out + ".yaml"), CONFIG.formatted(out));
    return new TrainingRun(ConfigLoader.load(dir.resolve(out + ".yaml")),
        new PrintStream(new ByteArrayOutputStream())).runAll();
  }

  @BeforeAll
  static void trainOnce() throws IOException {
    FixtureBundles.copyTo(FixtureBundles.SPLIT, dir.resolve("fixture"));
    jsonl("train", 120, 1);
    jsonl("val", 45, 2);
    jsonl("test", 45, 3);
    TrainingRunTest.outlierPngs(dir, 30);
    run = train("a");
  }

  @Test
  void bundleShipsTwoOwnTopsAndServesTheTrainersProbabilities() throws Exception {
    var heads = new ObjectMapper().readTree(run.bundle().resolve("bundle.json").toFile()).path("heads");
    assertThat(heads.get(0).has("top")).isFalse();
    assertThat(heads.get(1).path("top").asText()).isEqualTo("heads/red/top.pt");
    assertThat(heads.get(2).path("top").asText()).isEqualTo("heads/green/top.pt");
    assertThat(Files.readAllBytes(run.bundle().resolve("top.pt")))
        .isNotEqualTo(Files.readAllBytes(run.bundle().resolve("heads/red/top.pt")));
    List<Sample> test = run.features().samples(SetRole.TEST);
    float[][][] z = run.logits().of(SetRole.TEST);
    double worst = 0;
    try (ServableModel model = ServableModel.load(run.bundle(), GraphOptions.defaults())) {
      List<PreparedInput> batch = new ArrayList<>();
      for (Sample s : test) {
        batch.add(model.prepare(new ModelInput.Image(Files.readAllBytes(
            ((Item.ImageFile) s.item()).path())), InputLimits.defaults()));
      }
      List<ItemPrediction> out = model.forward(batch);
      for (int i = 0; i < out.size(); i++) {
        for (int h = 0; h < 3; h++) {
          float[] served = out.get(i).heads().get(h).probabilities();
          float[] trained = OwnTopsTextRunTest.probabilities(z[i][h]);
          for (int k = 0; k < trained.length; k++) {
            worst = Math.max(worst, Math.abs(served[k] - trained[k]));
          }
        }
      }
    }
    System.out.printf("image own tops: max |p served - p trained| %.3g%n", worst);
    assertThat(worst).isLessThan(1e-5);
  }

  @Test
  void sameConfigAndSeedGiveTheSameOwnTops() throws IOException {
    Path again = train("again").bundle();
    for (String f : List.of("top.pt", "heads/red/top.pt", "heads/green/top.pt",
        "heads/red/0.weight.npy", "heads/colour/0.weight.npy")) {
      assertThat(Files.readAllBytes(again.resolve(f))).as(f)
          .isEqualTo(Files.readAllBytes(run.bundle().resolve(f)));
    }
  }

  @Test
  void aBinaryDecisionHeadCanDriveTheSharedTopsFineTuning() throws IOException {
    // backbone.fine_tune on the binary "red" head's task (PerHeadTops.tune), OOD on its top
    Files.writeString(dir.resolve("binary.yaml"), CONFIG.formatted("binary")
        .replace("threads: 1\n", "threads: 1\n  fine_tune: {epochs: 2, learning_rate: 0.01, "
            + "head_learning_rate: 0.05, batch_size: 32}\n")
        .replace("head: colour", "head: red"));
    Path b = new TrainingRun(ConfigLoader.load(dir.resolve("binary.yaml")),
        new PrintStream(new ByteArrayOutputStream())).run();
    var m = new ObjectMapper().readTree(b.resolve("metrics.json").toFile());
    assertThat(m.path("extraction").path("fine_tune").path("epochs")).hasSize(2);
    assertThat(Files.readAllBytes(b.resolve("top.pt")))
        .isNotEqualTo(Files.readAllBytes(dir.resolve("fixture/split/top.pt")));
    assertThat(new ObjectMapper().readTree(b.resolve("bundle.json").toFile())
        .path("unknown").path("head").asText()).isEqualTo("red");
  }
}
