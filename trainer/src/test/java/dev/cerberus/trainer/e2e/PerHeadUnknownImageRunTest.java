package dev.cerberus.trainer.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cerberus.model.input.ModelInput;
import dev.cerberus.model.testing.FixtureBundles;
import dev.cerberus.trainer.TrainingRun;
import dev.cerberus.trainer.TrainingRunTest;
import dev.cerberus.trainer.config.ConfigLoader;
import dev.cerberus.trainer.data.Item;
import dev.cerberus.trainer.stage.HeadPolicies.HeadPolicy;
import dev.cerberus.trainer.stage.SetId;
import dev.cerberus.trainer.stage.SetRole;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ood.per_head} on TrainingRunTest's image fixture: a colour head and a brightness head
 * labelled by disjoint lines (each policy sees only its own head's rows), a gate, grey outliers
 * and checkerboards as OOD; the colour head's own policy is the served fusion (Mahalanobis on
 * its 3 classes + the gate), the brightness head's is overridden to the gate.
 */
class PerHeadUnknownImageRunTest {

  static final String CONFIG = """
      name: tiny
      seed: 7
      output: out/tiny/1
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
        - {name: bright, kind: binary, task: brightness, labels: [dark, bright],
           unknown_method: gate}
      gate: {name: gate, hidden: [4]}
      outliers: [{name: grey, images: grey}]
      ood_sets: [{name: checkers, images: checkers}]
      ood:
        methods: [max_softmax, mahalanobis, gate, fusion]
        fusion: [mahalanobis, gate]
        serve: fusion
        target_tpr: 0.9
        per_head: true
      training: {epochs: 30, learning_rate: 0.01, batch_size: 32, patience: 5}
      """;

  @TempDir static Path dir;
  static TrainingRun.Result run;

  /** JSONL: even lines label only the colour, odd lines only the brightness. */
  static void manifest(String name, int n, long seed) throws IOException {
    Random r = new Random(seed);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      int k = r.nextInt(3);
      boolean bright = r.nextBoolean();
      String file = name + "/" + i + ".png";
      TrainingRunTest.png(dir.resolve(file), TrainingRunTest.colour(k, bright), r, false);
      String labels = i % 2 == 0 ? "{\"colour\": \"" + TrainingRunTest.COLOURS[k] + "\"}"
          : "{\"brightness\": \"" + (bright ? "bright" : "dark") + "\"}";
      sb.append("{\"image\": \"").append(file).append("\", \"labels\": ").append(labels)
          .append("}\n");
    }
    Files.writeString(dir.resolve(name + ".jsonl"), sb.toString());
  }

  @BeforeAll
  static void trainOnce() throws IOException {
    FixtureBundles.copyTo(FixtureBundles.IMAGE, dir.resolve("fixture"));
    manifest("train", 240, 1);
    manifest("val", 90, 2);
    manifest("test", 120, 3);
    TrainingRunTest.outlierPngs(dir, 60);
    Files.writeString(dir.resolve("tiny.yaml"), CONFIG);
    run = new TrainingRun(ConfigLoader.load(dir.resolve("tiny.yaml")),
        new PrintStream(new ByteArrayOutputStream())).runAll();
  }

  static ModelInput image(dev.cerberus.trainer.data.Sample s) {
    try {
      return new ModelInput.Image(Files.readAllBytes(((Item.ImageFile) s.item()).path()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void bothHeadsCarryTheirOwnPolicyTheGateNone() throws IOException {
    JsonNode heads = OwnTopsTextRunTest.json(run.bundle().resolve("bundle.json")).path("heads");
    JsonNode colour = heads.get(0).path("unknown");
    assertThat(colour.path("method").asText()).isEqualTo("fusion");
    assertThat(colour.path("scores").get(0).path("means").asText())
        .isEqualTo("heads/colour/unknown/ood/mahalanobis_means.npy");
    assertThat(heads.get(1).path("unknown").path("method").asText()).isEqualTo("gate");
    assertThat(heads.get(1).path("unknown").path("gate_head").asText()).isEqualTo("gate");
    assertThat(heads.get(2).has("unknown")).isFalse();
    for (int h = 0; h < 2; h++) {
      assertThat(heads.get(h).path("unknown").path("calibrated_tpr").asDouble()).isEqualTo(0.9);
    }
  }

  @Test
  void eachPolicyIsCalibratedOnItsOwnHeadsLabelledValidationRows() {
    for (HeadPolicy p : run.headPolicies().heads()) {
      // 45 labelled validation rows per head (disjoint lines): at least 90%, at most one more
      assertThat(p.validationTpr()).as(p.head()).isBetween(0.9, 0.9 + 1.0 / 45 + 1e-9);
    }
  }

  @Test
  void servedPerHeadAndOverallVerdictsEqualTheTrainers() throws Exception {
    assertThat(PerHeadUnknownTextRunTest.servedVsTrained(run, SetId.of(SetRole.TEST), true,
        PerHeadUnknownImageRunTest::image)).isLessThan(1e-4);
    assertThat(PerHeadUnknownTextRunTest.servedVsTrained(run, SetId.ood("checkers"), true,
        PerHeadUnknownImageRunTest::image)).isLessThan(1e-4);
  }

  @Test
  void checkerboardsAreNoneOfThese() throws IOException {
    JsonNode o = OwnTopsTextRunTest.json(run.bundle().resolve("metrics.json"))
        .path("unknown");
    System.out.println("per-head image metrics: " + o.path("per_head") + " overall "
        + o.path("overall"));
    o = o.path("overall");
    assertThat(o.path("ood_rejected_by_all_heads").path("checkers").asDouble()).isGreaterThan(0.5);
    assertThat(o.path("id_accepted_by_any_head").asDouble()).isGreaterThan(0.8);
  }
}
