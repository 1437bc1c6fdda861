package dev.cerberus.trainer;

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
 * A split backbone (the model module's 16x16 split fixture: trunk + top) whose top is
 * fine-tuned with outlier exposure by the trainer: the bundle carries the trunk unchanged and
 * the fine-tuned top, loads in the model module, and serves the answers the trainer evaluated.
 */
class SplitFineTuneRunTest {

  @TempDir static Path dir;
  static Path bundle;
  static String log;

  static final String CONFIG = """
      name: split-ft
      seed: 11
      output: out/split-ft/1
      cache_dir: cache
      backbone:
        split: {trunk: fixture/split/trunk.pt, top: fixture/split/top.pt}
        fine_tune: {epochs: 4, learning_rate: 0.01, head_learning_rate: 0.05, batch_size: 32}
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
        methods: [max_softmax, mahalanobis, knn, fusion]
        fusion: [mahalanobis, knn, max_softmax]
        serve: fusion
        target_tpr: 0.9
        knn_k: 3
      training: {epochs: 30, learning_rate: 0.01, batch_size: 32, patience: 5}
      """;

  static void folder(String name, int n, long seed) throws IOException {
    TrainingRunTest.colourFolder(dir.resolve(name), n, seed);
  }

  @BeforeAll
  static void trainOnce() throws IOException {
    FixtureBundles.copyTo(FixtureBundles.SPLIT, dir.resolve("fixture"));
    folder("train", 150, 1);
    folder("val", 60, 2);
    folder("test", 90, 3);
    TrainingRunTest.outlierPngs(dir, 40);
    Files.writeString(dir.resolve("split.yaml"), CONFIG);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    bundle = new TrainingRun(ConfigLoader.load(dir.resolve("split.yaml")), new PrintStream(out)).run();
    log = out.toString();
  }

  static JsonNode json(Path p) throws IOException {
    return new ObjectMapper().readTree(p.toFile());
  }

  @Test
  void bundleCarriesTheTrunkAsIsAndTheFineTunedTop() throws IOException {
    assertThat(bundle.resolve("backbone.pt")).doesNotExist();
    assertThat(Files.readAllBytes(bundle.resolve("trunk.pt")))
        .isEqualTo(Files.readAllBytes(dir.resolve("fixture/split/trunk.pt")));
    assertThat(Files.readAllBytes(bundle.resolve("top.pt")))
        .isNotEqualTo(Files.readAllBytes(dir.resolve("fixture/split/top.pt")));
    // readable by a server running as another user: not the temp folder's owner-only mode
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(bundle)))
        .isEqualTo("rwxr-xr-x");
    assertThat(Files.getPosixFilePermissions(bundle.resolve("top.pt")))
        .contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ);
    JsonNode b = json(bundle.resolve("bundle.json")).path("backbone");
    assertThat(b.path("split").path("trunk").asText()).isEqualTo("trunk.pt");
    assertThat(b.path("split").path("top").asText()).isEqualTo("top.pt");
    assertThat(b.has("file")).isFalse();
  }

  @Test
  void fineTuningRunsTheConfiguredEpochsAndLowersTheLoss() throws IOException {
    JsonNode ft = json(bundle.resolve("metrics.json")).path("extraction").path("fine_tune");
    JsonNode epochs = ft.path("epochs");
    assertThat(epochs).hasSize(4);
    double first = epochs.get(0).path("trainLoss").asDouble();
    double last = epochs.get(3).path("trainLoss").asDouble();
    assertThat(last).isLessThan(first);
    assertThat(epochs.get(3).path("valAccuracy").asDouble()).isGreaterThan(0.9);
    assertThat(log).contains("fine-tuning the top").contains("and 36 outliers");
  }

  @Test
  void servedModelRunsTheFineTunedTopAndGivesTheTrainersAnswers() throws Exception {
    JsonNode m = json(bundle.resolve("metrics.json"));
    try (ServableModel model = ServableModel.load(bundle, GraphOptions.defaults())) {
      List<PreparedInput> batch = new ArrayList<>();
      List<String> truth = new ArrayList<>();
      for (String c : TrainingRunTest.COLOURS) {
        try (var files = Files.list(dir.resolve("test/" + c))) {
          for (Path p : files.sorted().toList()) {
            batch.add(model.prepare(new ModelInput.Image(Files.readAllBytes(p)), InputLimits.defaults()));
            truth.add(c);
          }
        }
      }
      List<ItemPrediction> out = model.forward(batch);
      int right = 0;
      for (int i = 0; i < out.size(); i++) {
        right += out.get(i).heads().get(0).label().equals(truth.get(i)) ? 1 : 0;
      }
      double served = (double) right / out.size();
      // heads were fitted on the fine-tuned top's features: served with the frozen top they
      // would not reproduce the trainer's accuracy to 1e-9
      assertThat(served).isCloseTo(m.path("heads").get(0).path("accuracy").asDouble(), within(1e-9));
      assertThat(served).isGreaterThan(0.9);
    }
  }

  @Test
  void sameConfigAndSeedGiveTheSameTopAndBundle() throws IOException {
    Files.writeString(dir.resolve("again.yaml"), CONFIG.replace("out/split-ft/1", "out/again/1"));
    Path second = new TrainingRun(ConfigLoader.load(dir.resolve("again.yaml")),
        new PrintStream(new ByteArrayOutputStream())).run();
    assertThat(Files.readAllBytes(second.resolve("top.pt")))
        .isEqualTo(Files.readAllBytes(bundle.resolve("top.pt")));
    // the manifest names the config file (provenance): the only difference allowed
    assertThat(Files.readString(second.resolve("bundle.json")).replace("again.yaml", "split.yaml"))
        .isEqualTo(Files.readString(bundle.resolve("bundle.json")));
  }

  @Test
  void fineTuneNeedsASplitBackboneAndFileExcludesSplit() throws IOException {
    Files.writeString(dir.resolve("nosplit.yaml"), CONFIG.replace(
        "split: {trunk: fixture/split/trunk.pt, top: fixture/split/top.pt}",
        "file: fixture/split/trunk.pt"));
    assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("nosplit.yaml")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("backbone.fine_tune: needs backbone.split");
    Files.writeString(dir.resolve("both.yaml"), CONFIG.replace(
        "split: {trunk:", "file: fixture/split/trunk.pt\n  split: {trunk:"));
    assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("both.yaml")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("exactly one of file");
  }
}
