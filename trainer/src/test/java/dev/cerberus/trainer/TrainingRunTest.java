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
import dev.cerberus.trainer.config.ConfigLoader;
import dev.cerberus.trainer.config.LoadedConfig;
import dev.cerberus.trainer.data.DataException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on the real engine with the model module's tiny 16x16 fixture backbone: synthetic
 * colour images, a multiclass head and a binary head labelled by disjoint JSONL lines (masked
 * loss), grey outliers with a gate, checkerboards as evaluation OOD. The bundle must load in
 * the model module and serve the decisions the trainer evaluated.
 */
public class TrainingRunTest {

  @TempDir static Path dir;
  static Path bundle;
  static String firstLog;

  public static final String[] COLOURS = {"red", "green", "blue"};

  /** n flat grey and n checkerboard images under grey/ and checkers/ (outliers and OOD sets). */
  public static void outlierPngs(Path dir, int n) throws IOException {
    Random r = new Random(4);
    for (int i = 0; i < n; i++) {
      int g = 60 + r.nextInt(140);
      png(dir.resolve("grey/" + i + ".png"), new int[] {g, g, g}, r, false);
      png(dir.resolve("checkers/" + i + ".png"), null, r, true);
    }
  }

  /** {@code n} noisy colour images under {@code root/<colour>/<i>.png}, colours in turn. */
  public static void colourFolder(Path root, int n, long seed) throws IOException {
    Random r = new Random(seed);
    for (int i = 0; i < n; i++) {
      int k = i % 3;
      png(root.resolve(COLOURS[k] + "/" + i + ".png"), colour(k, r.nextBoolean()), r, false);
    }
  }

  public static void png(Path p, int[] rgb, Random r, boolean checker) throws IOException {
    BufferedImage img = new BufferedImage(20, 20, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 20; y++) {
      for (int x = 0; x < 20; x++) {
        int[] c = rgb;
        if (checker) {
          int v = ((x / 4 + y / 4) % 2 == 0) ? 255 : 0;
          c = new int[] {v, v, v};
        }
        int rr = clamp(c[0] + r.nextInt(41) - 20);
        int gg = clamp(c[1] + r.nextInt(41) - 20);
        int bb = clamp(c[2] + r.nextInt(41) - 20);
        img.setRGB(x, y, (rr << 16) | (gg << 8) | bb);
      }
    }
    Files.createDirectories(p.getParent());
    ImageIO.write(img, "png", p.toFile());
  }

  static int clamp(int v) {
    return Math.max(0, Math.min(255, v));
  }

  public static int[] colour(int k, boolean bright) {
    int hi = bright ? 230 : 120;
    int lo = bright ? 60 : 10;
    return new int[] {k == 0 ? hi : lo, k == 1 ? hi : lo, k == 2 ? hi : lo};
  }

  /** JSONL: even lines label only the colour, odd lines only the brightness. */
  static void manifest(String name, int n, long seed) throws IOException {
    Random r = new Random(seed);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      int k = r.nextInt(3);
      boolean bright = r.nextBoolean();
      String file = name + "/" + i + ".png";
      png(dir.resolve(file), colour(k, bright), r, false);
      String labels = i % 2 == 0 ? "{\"colour\": \"" + COLOURS[k] + "\"}"
          : "{\"brightness\": \"" + (bright ? "bright" : "dark") + "\"}";
      sb.append("{\"image\": \"").append(file).append("\", \"labels\": ").append(labels).append("}\n");
    }
    Files.writeString(dir.resolve(name + ".jsonl"), sb.toString());
  }

  static final String CONFIG = """
      name: tiny
      version: "3"
      seed: 7
      output: out/tiny/3
      cache_dir: cache
      backbone: {file: fixture/image/backbone.pt, feature_size: 8, batch_size: 16, threads: 1}
      input:
        kind: image
        image: {width: 16, height: 16, mean: [0.5, 0.4, 0.3], std: [0.25, 0.2, 0.3]}
      data:
        train: [{jsonl: train.jsonl}]
        val: [{jsonl: val.jsonl}]
        test: [{jsonl: test.jsonl}]
      heads:
        - {name: colour, kind: multiclass, labels: [red, green, blue], hidden: [16]}
        - {name: bright, kind: binary, task: brightness, labels: [dark, bright], base_label: dark}
      gate: {name: gate, hidden: [4], mixup: {count: 120, min: 0.3, max: 0.7}}
      outliers: [{name: grey, images: grey}]
      ood_sets: [{name: checkers, images: checkers}]
      ood:
        methods: [max_softmax, energy, mahalanobis, knn, gate, fusion]
        fusion: [mahalanobis, gate]
        serve: fusion
        target_tpr: 0.9
        knn_k: 3
      training: {epochs: 40, learning_rate: 0.01, batch_size: 32, patience: 5, oe_lambda: 0.5}
      """;

  @BeforeAll
  static void trainOnce() throws IOException {
    FixtureBundles.copyTo(FixtureBundles.IMAGE, dir.resolve("fixture"));
    manifest("train", 240, 1);
    manifest("val", 90, 2);
    manifest("test", 120, 3);
    outlierPngs(dir, 60);
    Files.writeString(dir.resolve("grey/corrupt.png"), "not a png"); // skipped and counted
    Files.writeString(dir.resolve("tiny.yaml"), CONFIG);
    Files.createDirectories(dir.resolve("out/tiny/3"));
    Files.writeString(dir.resolve("out/tiny/3/MODEL_CARD.md"), "kept across rebuilds");
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    bundle = new TrainingRun(ConfigLoader.load(dir.resolve("tiny.yaml")), new PrintStream(log)).run();
    firstLog = log.toString();
  }

  @Test
  void gateTrainsOnMixupOutliersMadeFromTheTrainingRows() {
    // 120 training rows + validation's share (90/240 of the train count, colour-labelled rows)
    assertThat(firstLog).contains("120 mixup outliers for the gate");
  }

  static JsonNode metrics() throws IOException {
    return new ObjectMapper().readTree(bundle.resolve("metrics.json").toFile());
  }

  @Test
  void bundleLoadsInTheModelModuleAndServesTheCalibratedDecision() throws Exception {
    JsonNode m = metrics();
    double threshold = m.path("unknown").path("threshold").asDouble();
    try (ServableModel model = ServableModel.load(bundle, GraphOptions.defaults())) {
      assertThat(model.manifest().heads()).extracting(h -> h.name())
          .containsExactly("colour", "bright", "gate");
      assertThat(model.manifest().unknown().method()).isEqualTo("fusion");
      assertThat(model.manifest().unknown().calibratedTpr()).isEqualTo(0.9);
      List<PreparedInput> batch = new ArrayList<>();
      List<String> truth = new ArrayList<>();
      for (String line : Files.readAllLines(dir.resolve("test.jsonl"))) {
        JsonNode j = new ObjectMapper().readTree(line);
        if (!j.path("labels").has("colour")) {
          continue;
        }
        batch.add(model.prepare(new ModelInput.Image(
            Files.readAllBytes(dir.resolve(j.get("image").asText()))), InputLimits.defaults()));
        truth.add(j.path("labels").get("colour").asText());
      }
      List<ItemPrediction> out = model.forward(batch);
      int right = 0;
      int accepted = 0;
      for (int i = 0; i < out.size(); i++) {
        assertThat(out.get(i).threshold()).isCloseTo((float) threshold, within(1e-6f));
        right += out.get(i).heads().get(0).label().equals(truth.get(i)) ? 1 : 0;
        accepted += out.get(i).unknown() ? 0 : 1;
      }
      double servedAccuracy = (double) right / out.size();
      // the server's head answers are the trainer's: same accuracy as metrics.json reports
      assertThat(servedAccuracy).isCloseTo(m.path("heads").get(0).path("accuracy").asDouble(), within(1e-9));
      assertThat(servedAccuracy).isGreaterThan(0.9);
      // calibrated at 90% on validation: the test acceptance is near it
      assertThat((double) accepted / out.size()).isBetween(0.75, 1.0);
      List<PreparedInput> ood = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        ood.add(model.prepare(new ModelInput.Image(
            Files.readAllBytes(dir.resolve("checkers/" + i + ".png"))), InputLimits.defaults()));
      }
      long unknown = model.forward(ood).stream().filter(ItemPrediction::unknown).count();
      assertThat(unknown).isGreaterThan(15);
    }
  }

  @Test
  void metricsReportAndTrainingCurvesAreWritten() throws IOException {
    JsonNode m = metrics();
    assertThat(m.path("schema").asText()).isEqualTo("cerberus.trainer.metrics/1");
    assertThat(m.path("heads")).hasSize(3);
    assertThat(m.path("heads").get(1).path("head").asText()).isEqualTo("bright");
    assertThat(m.path("heads").get(1).path("auroc").asDouble()).isGreaterThan(0.9);
    assertThat(m.path("ood")).hasSize(6);
    for (JsonNode o : m.path("ood")) {
      assertThat(o.path("ood_set").asText()).isEqualTo("checkers");
      assertThat(o.path("auroc").asDouble()).isBetween(0.0, 1.0);
      assertThat(o.has("fpr95")).isTrue();
    }
    assertThat(m.path("sets").path("training_outliers").get(0).asText()).isEqualTo("grey");
    assertThat(m.path("sets").path("evaluation_ood").get(0).asText()).isEqualTo("checkers");
    assertThat(m.path("extraction").path("corrupt_skipped").asInt()).isEqualTo(1);
    assertThat(m.path("unknown").path("validation_tpr").asDouble()).isBetween(0.9, 0.92);
    assertThat(bundle.resolve("MODEL_CARD.md")).hasContent("kept across rebuilds");
    String html = Files.readString(bundle.resolve("report.html"));
    assertThat(html).contains("data:image/png;base64,").contains("Confusion matrix: colour")
        .contains("Training outliers").contains("checkers");
    assertThat(html.split("data:image/png;base64,")).hasSizeGreaterThanOrEqualTo(1 + 1 + 6 + 1);
  }

  @Test
  void sameConfigAndSeedGiveTheSameBundleFromTheCache() throws IOException {
    LoadedConfig lc = ConfigLoader.load(dir.resolve("tiny.yaml"));
    var again = new LoadedConfig(lc.file(), lc.base(), withOutput(lc, "out/again"));
    Path second = new TrainingRun(again, new PrintStream(new ByteArrayOutputStream())).run();
    JsonNode m2 = new ObjectMapper().readTree(second.resolve("metrics.json").toFile());
    assertThat(m2.path("extraction").path("extracted").asInt()).isZero(); // all from the cache
    assertThat(m2.path("extraction").path("cache_hits").asInt()).isGreaterThan(500);
    assertThat(Files.readString(second.resolve("bundle.json")))
        .isEqualTo(Files.readString(bundle.resolve("bundle.json")));
    for (String f : List.of("heads/colour/0.weight.npy", "heads/colour/1.weight.npy",
        "heads/bright/0.weight.npy", "heads/gate/0.bias.npy", "heads/gate/1.weight.npy",
        "ood/mahalanobis_precision.npy")) {
      assertThat(Files.readAllBytes(second.resolve(f))).as(f)
          .isEqualTo(Files.readAllBytes(bundle.resolve(f)));
    }
  }

  @Test
  void weakSupervisionCrossLabelsTheOtherTasksRowsAndTrainsAgain() throws IOException {
    // every training row carries one task's label (colour or brightness): with cross-labelling
    // each head also learns from the rows of the other task, labelled by the first training
    String cfg = CONFIG.replace("output: out/tiny/3", "output: out/weak")
        + "weak_supervision: {mode: hard, threshold: 0.8, confidence_weighting: true}\n";
    Files.writeString(dir.resolve("weak.yaml"), cfg);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    Path weak = new TrainingRun(ConfigLoader.load(dir.resolve("weak.yaml")),
        new PrintStream(log)).run();
    assertThat(log.toString()).contains("weak supervision colour").contains("weak supervision bright");
    JsonNode ws = new ObjectMapper().readTree(weak.resolve("metrics.json").toFile())
        .path("training").path("weak_supervision");
    assertThat(ws).hasSize(3); // colour, bright, and the gate (left as it is)
    for (int h = 0; h < 2; h++) {
      JsonNode r = ws.get(h);
      assertThat(r.path("real").asInt()).as(r.toString()).isBetween(100, 140);
      assertThat(r.path("pseudo").asInt()).as(r.toString()).isGreaterThan(30);
      assertThat(r.path("real").asInt() + r.path("pseudo").asInt()).isLessThanOrEqualTo(240);
    }
    assertThat(ws.get(2).path("pseudo").asInt()).isZero();
    // a second training on other labels: other weights than the masked-only bundle's
    assertThat(Files.readAllBytes(weak.resolve("heads/colour/0.weight.npy")))
        .isNotEqualTo(Files.readAllBytes(bundle.resolve("heads/colour/0.weight.npy")));
    JsonNode heads = new ObjectMapper().readTree(weak.resolve("metrics.json").toFile()).path("heads");
    assertThat(heads.get(0).path("accuracy").asDouble()).isGreaterThan(0.8);
  }

  @Test
  void checkReadsTheDataAndRefusesADeclaredLabelWithoutTrainingSamples() throws IOException {
    Files.writeString(dir.resolve("purple.yaml"), CONFIG.replace("labels: [red, green, blue]",
        "labels: [red, green, blue, purple]"));
    PrintStream saved = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int bad;
    int good;
    try {
      System.setErr(new PrintStream(err, true));
      bad = new picocli.CommandLine(new TrainerMain()).execute("--check",
          dir.resolve("purple.yaml").toString());
      good = new picocli.CommandLine(new TrainerMain()).execute("--check",
          dir.resolve("tiny.yaml").toString());
    } finally {
      System.setErr(saved);
    }
    assertThat(bad).isEqualTo(2);
    assertThat(err.toString()).contains(
        "error: heads[0] (colour).labels: 'purple' has no training sample in data.train");
    assertThat(err.toString()).doesNotContain("\tat ");
    assertThat(good).isZero();
    assertThat(err.toString()).contains("tiny.yaml: config and data are valid");
  }

  @Test
  void backboneWidthNotFittingTheHeadsIsAClearError() throws IOException {
    Files.writeString(dir.resolve("wide.yaml"), CONFIG.replace("feature_size: 8", "feature_size: 12"));
    assertThatThrownBy(() -> new TrainingRun(ConfigLoader.load(dir.resolve("wide.yaml")),
        new PrintStream(new ByteArrayOutputStream())).run())
        .isInstanceOf(TrainerException.class)
        .hasMessageContaining("backbone.feature_size").hasMessageContaining("12")
        .hasMessageContaining("outputs 8");
  }

  @Test
  void headWithoutLabelledSamplesFailsBeforeExtraction() throws IOException {
    Files.writeString(dir.resolve("nolabels.yaml"), CONFIG.replace("gate: {name: gate",
        "  - {name: shape, kind: binary, labels: [round, square]}\ngate: {name: gate"));
    assertThatThrownBy(() -> new TrainingRun(ConfigLoader.load(dir.resolve("nolabels.yaml")),
        new PrintStream(new ByteArrayOutputStream())).run())
        .isInstanceOf(DataException.class)
        .hasMessageContaining("head 'shape': no labelled samples for task 'shape'");
  }

  private static dev.cerberus.trainer.config.TrainerConfig withOutput(LoadedConfig lc, String out) {
    var x = lc.config();
    return new dev.cerberus.trainer.config.TrainerConfig(x.name(), x.version(), x.description(),
        x.seed(), out, x.cacheDir(), x.backbone(), x.input(), x.data(), x.heads(), x.gate(),
        x.outliers(), x.oodSets(), x.ood(), x.training());
  }
}
