package dev.cerberus.trainer.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cerberus.model.GraphOptions;
import dev.cerberus.model.ItemPrediction;
import dev.cerberus.model.graph.MultiHeadGraph;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.model.input.ModelInput;
import dev.cerberus.model.input.PreparedInput;
import dev.cerberus.model.testing.FixtureBundles;
import dev.cerberus.trainer.TrainingRun;
import dev.cerberus.trainer.config.ConfigLoader;
import dev.cerberus.trainer.data.Item;
import dev.cerberus.trainer.data.Sample;
import dev.cerberus.trainer.stage.SetRole;
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
 * Flip features and flip TTA end to end on the model module's 16x16 fixture CNN: an orientation
 * task (a random scene as drawn = "as_is", a mirrored scene = "mirrored", every scene drawn
 * once). The served features equal the trained ones; the flip-aware head learns the task and
 * a head on TTA features, which are the same for a scene and its mirror, cannot.
 */
class FlipRunTest {

  @TempDir static Path dir;
  static TrainingRun.Result flip;
  static TrainingRun.Result tta;

  static final String CONFIG = """
      name: facing
      seed: 5
      output: out/%s
      cache_dir: cache
      %s: true
      backbone: {file: fixture/image/backbone.pt, feature_size: 8, batch_size: 16, threads: 1}
      input:
        kind: image
        image: {width: 16, height: 16, mean: [0.5, 0.4, 0.3], std: [0.25, 0.2, 0.3]}
      data:
        train: [{images: train, task: facing}]
        val: [{images: val, task: facing}]
        test: [{images: test, task: facing}]
      heads:
        - {name: facing, kind: multiclass, labels: [as_is, mirrored]}
      ood: {methods: [max_softmax, knn], serve: knn, knn_k: 3}
      training: {epochs: 80, learning_rate: 0.01, batch_size: 32, patience: 15}
      """;

  /** A scene: noise plus a bright block left of centre and a ramp that rises to the right. */
  static BufferedImage scene(Random r) {
    BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
    int bx = r.nextInt(4);
    int by = r.nextInt(10);
    int[] tint = {r.nextInt(120), r.nextInt(120), r.nextInt(120)};
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 16; x++) {
        boolean block = x >= bx && x < bx + 4 && y >= by && y < by + 6;
        int[] px = new int[3];
        for (int c = 0; c < 3; c++) {
          int v = tint[c] + 6 * x + r.nextInt(31) + (block ? 110 : 0);
          px[c] = Math.max(0, Math.min(255, v));
        }
        img.setRGB(x, y, (px[0] << 16) | (px[1] << 8) | px[2]);
      }
    }
    return img;
  }

  static BufferedImage mirror(BufferedImage in) {
    BufferedImage out = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 16; x++) out.setRGB(15 - x, y, in.getRGB(x, y));
    }
    return out;
  }

  static void folder(String set, int perClass, long seed) throws IOException {
    Random r = new Random(seed);
    for (int i = 0; i < perClass; i++) {
      write(scene(r), dir.resolve(set + "/as_is/" + i + ".png"));
      write(mirror(scene(r)), dir.resolve(set + "/mirrored/" + i + ".png"));
    }
  }

  static void write(BufferedImage img, Path p) throws IOException {
    Files.createDirectories(p.getParent());
    ImageIO.write(img, "png", p.toFile());
  }

  static TrainingRun.Result train(String out, String key) throws IOException {
    Files.writeString(dir.resolve(out + ".yaml"), CONFIG.formatted(out, key));
    return new TrainingRun(ConfigLoader.load(dir.resolve(out + ".yaml")),
        new PrintStream(new ByteArrayOutputStream())).runAll();
  }

  @BeforeAll
  static void trainBoth() throws IOException {
    FixtureBundles.copyTo(FixtureBundles.IMAGE, dir.resolve("fixture"));
    folder("train", 80, 1);
    folder("val", 30, 2);
    folder("test", 50, 3);
    flip = train("flip", "flip_features");
    tta = train("tta", "flip_tta");
  }

  /** Served features, predictions and accuracy of a bundle on the trained test rows. */
  record Served(float[][] features, List<ItemPrediction> predictions, double accuracy) {}

  static Served serve(TrainingRun.Result run) throws Exception {
    List<Sample> test = run.features().samples(SetRole.TEST);
    try (MultiHeadGraph g = MultiHeadGraph.load(run.bundle(), GraphOptions.defaults())) {
      List<PreparedInput> batch = new ArrayList<>();
      for (Sample s : test) {
        batch.add(g.prepare(new ModelInput.Image(Files.readAllBytes(
            ((Item.ImageFile) s.item()).path())), InputLimits.defaults()));
      }
      List<ItemPrediction> p = g.forward(batch);
      int right = 0;
      for (int i = 0; i < p.size(); i++) {
        String label = p.get(i).heads().get(0).label();
        if (((Item.ImageFile) test.get(i).item()).path().toString().contains("/" + label + "/")) {
          right++;
        }
      }
      return new Served(g.features(batch), p, (double) right / p.size());
    }
  }

  static double maxGap(float[][] a, float[][] b) {
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      assertThat(a[i]).hasSameSizeAs(b[i]);
      for (int j = 0; j < a[i].length; j++) worst = Math.max(worst, Math.abs(a[i][j] - b[i][j]));
    }
    return worst;
  }

  @Test
  void flipFeaturesBundleServesTheTrainedFeaturesAndLearnsOrientation() throws Exception {
    var m = new ObjectMapper().readTree(flip.bundle().resolve("bundle.json").toFile());
    assertThat(m.path("flip_features").asBoolean()).isTrue();
    assertThat(m.has("flip_tta")).isFalse();
    Served s = serve(flip);
    float[][] trained = flip.features().of(0).get(SetRole.TEST).features();
    assertThat(trained[0]).hasSize(16); // [f(x), f(x) - f(mirror x)], F = 8
    double gap = maxGap(s.features(), trained);
    System.out.printf("flip features: max |served - trained| %.3g, test accuracy %.3f%n",
        gap, s.accuracy());
    assertThat(gap).isLessThan(1e-5);
    assertThat(s.accuracy()).isGreaterThanOrEqualTo(0.95);
  }

  @Test
  void ttaBundleServesTheTrainedFeaturesAndIsBlindToOrientation() throws Exception {
    var m = new ObjectMapper().readTree(tta.bundle().resolve("bundle.json").toFile());
    assertThat(m.path("flip_tta").asBoolean()).isTrue();
    assertThat(m.path("flip_features").asBoolean()).isFalse();
    Served s = serve(tta);
    float[][] trained = tta.features().of(0).get(SetRole.TEST).features();
    assertThat(trained[0]).hasSize(8);
    double gap = maxGap(s.features(), trained);
    System.out.printf("flip TTA: max |served - trained| %.3g, test accuracy %.3f%n",
        gap, s.accuracy());
    assertThat(gap).isLessThan(1e-5);
    assertThat(s.accuracy()).isBetween(0.3, 0.7);
  }

  @Test
  void ttaGivesASceneAndItsMirrorTheSameAnswer() throws Exception {
    Random r = new Random(9);
    BufferedImage x = scene(r);
    try (MultiHeadGraph g = MultiHeadGraph.load(tta.bundle(), GraphOptions.defaults())) {
      List<ItemPrediction> p = g.forward(List.of(
          g.prepare(new ModelInput.Image(png(x)), InputLimits.defaults()),
          g.prepare(new ModelInput.Image(png(mirror(x))), InputLimits.defaults())));
      assertThat(p.get(1).heads().get(0).probabilities())
          .containsExactly(p.get(0).heads().get(0).probabilities(),
              org.assertj.core.api.Assertions.within(1e-6f));
    }
  }

  static byte[] png(BufferedImage img) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }
}
