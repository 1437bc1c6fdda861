package dev.cerberus.trainer.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cerberus.model.GraphOptions;
import dev.cerberus.model.ItemPrediction;
import dev.cerberus.model.Reason;
import dev.cerberus.model.ServableModel;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.model.input.PreparedInput;
import dev.cerberus.model.testing.FixtureBundles;
import dev.cerberus.trainer.TrainingRun;
import dev.cerberus.trainer.TrainingRunTest;
import dev.cerberus.trainer.config.ConfigLoader;
import dev.cerberus.trainer.data.Sample;
import dev.cerberus.trainer.stage.SetId;
import dev.cerberus.trainer.stage.SetRole;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code decision.order: [gate, unknown, class]} on TrainingRunTest's image fixture: the
 * trainer writes the cascade with the gate threshold chosen on ID validation rows
 * ({@code gate_tpr}), and the served reasons follow it item by item.
 */
class CascadeImageRunTest {

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
        - {name: bright, kind: binary, task: brightness, labels: [dark, bright]}
      gate: {name: gate, hidden: [4]}
      outliers: [{name: grey, images: grey}]
      ood_sets: [{name: checkers, images: checkers}]
      ood: {methods: [max_softmax, mahalanobis, knn, fusion], fusion: [mahalanobis, knn],
            serve: fusion, target_tpr: 0.9, knn_k: 3}
      decision: {order: [gate, unknown, class], gate_tpr: 0.95}
      training: {epochs: 30, learning_rate: 0.01, batch_size: 32, patience: 5}
      """;

  @TempDir static Path dir;
  static TrainingRun.Result run;
  static String log;

  @BeforeAll
  static void trainOnce() throws IOException {
    FixtureBundles.copyTo(FixtureBundles.IMAGE, dir.resolve("fixture"));
    manifest("train", 240, 1);
    manifest("val", 90, 2);
    manifest("test", 120, 3);
    TrainingRunTest.outlierPngs(dir, 60);
    Files.writeString(dir.resolve("tiny.yaml"), CONFIG);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    run = new TrainingRun(ConfigLoader.load(dir.resolve("tiny.yaml")), new PrintStream(out)).runAll();
    log = out.toString();
  }

  /** JSONL of colour images, every line labelled with colour and brightness. */
  static void manifest(String name, int n, long seed) throws IOException {
    Random r = new Random(seed);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      int k = r.nextInt(3);
      boolean bright = r.nextBoolean();
      String file = name + "/" + i + ".png";
      TrainingRunTest.png(dir.resolve(file), TrainingRunTest.colour(k, bright), r, false);
      sb.append("{\"image\": \"").append(file).append("\", \"labels\": {\"colour\": \"")
          .append(TrainingRunTest.COLOURS[k]).append("\", \"brightness\": \"")
          .append(bright ? "bright" : "dark").append("\"}}\n");
    }
    Files.writeString(dir.resolve(name + ".jsonl"), sb.toString());
  }

  @Test
  void theBundleDeclaresTheCascadeWithAGateCalibratedOnValidation() throws IOException {
    JsonNode d = OwnTopsTextRunTest.json(run.bundle().resolve("bundle.json")).path("decision");
    assertThat(d.path("order")).extracting(JsonNode::asText)
        .containsExactly("gate", "unknown", "class");
    assertThat(d.path("gate").path("head").asText()).isEqualTo("gate");
    double t = d.path("gate").path("threshold").asDouble();
    assertThat(t).isBetween(0.0, 1.0);
    // 90 validation rows: at least 95% pass, at most one more
    assertThat(d.path("gate").path("calibrated_tpr").asDouble()).isBetween(0.95, 0.95 + 1.0 / 90 + 1e-9);
    assertThat(log).contains("decision [gate, unknown, class]: gate threshold");
  }

  @Test
  void servedReasonsFollowTheCascade() throws Exception {
    Map<Reason, Integer> ood = reasons(SetId.ood("checkers"));
    Map<Reason, Integer> val = reasons(SetId.of(SetRole.VAL));
    System.out.println("cascade reasons: validation " + val + ", checkers " + ood);
    int n = val.values().stream().mapToInt(Integer::intValue).sum();
    assertThat(n - val.get(Reason.GATE)).as("the gate passes gate_tpr of validation")
        .isGreaterThanOrEqualTo((int) Math.ceil(0.95 * n));
    assertThat(val.get(Reason.CLASS)).isGreaterThan(n / 2);
    assertThat(ood.get(Reason.CLASS)).isLessThan(ood.get(Reason.GATE) + ood.get(Reason.THRESHOLD));
  }

  /** Served predictions of one set: each reason checked against the verdicts; counted. */
  private static Map<Reason, Integer> reasons(SetId set) throws Exception {
    List<Sample> items = run.features().samples(set);
    float[][][] logits = run.logits().of(set);
    int gate = logits[0].length - 1; // the gate is the last task
    Map<Reason, Integer> count = new EnumMap<>(Reason.class);
    for (Reason r : Reason.values()) count.put(r, 0);
    try (ServableModel model = ServableModel.load(run.bundle(), GraphOptions.defaults())) {
      List<PreparedInput> batch = new ArrayList<>();
      for (Sample x : items) {
        batch.add(model.prepare(PerHeadUnknownImageRunTest.image(x), InputLimits.defaults()));
      }
      List<ItemPrediction> out = model.forward(batch);
      for (int i = 0; i < out.size(); i++) {
        ItemPrediction p = out.get(i);
        double trained = 1 / (1 + Math.exp(-logits[i][gate][0]));
        assertThat((double) p.gate().score()).isCloseTo(trained, within(1e-5));
        Reason want = p.gate().rejected() ? Reason.GATE
            : p.oodScore() > p.threshold() ? Reason.THRESHOLD : Reason.CLASS;
        assertThat(p.reason()).as("item %d", i).isEqualTo(want);
        assertThat(p.components()).hasSize(2);
        count.merge(p.reason(), 1, Integer::sum);
      }
    }
    return count;
  }
}
