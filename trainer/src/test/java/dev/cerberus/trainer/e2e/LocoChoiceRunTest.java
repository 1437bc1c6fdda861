package dev.cerberus.trainer.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cerberus.model.testing.FixtureBundles;
import dev.cerberus.trainer.TrainingRun;
import dev.cerberus.trainer.TrainingRunTest;
import dev.cerberus.trainer.config.ConfigException;
import dev.cerberus.trainer.config.ConfigLoader;
import dev.cerberus.trainer.ood.LocoChoice;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ood.serve: auto} with {@code ood.selection: loco} on the model module's split fixture
 * backbone (real DJL): leave-one-known-class-out folds choose the served decision, metrics.json
 * records every candidate's fold numbers and far constraint, the bundle serves the choice.
 */
class LocoChoiceRunTest {

  @TempDir static Path dir;
  static Path bundle;
  static String log;

  static final String CONFIG = ServedChoiceRunTest.CONFIG
      .replace("holdout_fraction: 0.25", "holdout_fraction: 0.25\n  selection: loco\n"
          + "  loco: {far_min_auroc: 0.9, head_steps: 30}")
      .replace("methods: [max_softmax, energy, mahalanobis, knn]",
          "methods: [max_softmax, energy, mahalanobis, knn, gate]")
      .replace("outliers: [", "gate: {name: gate}\noutliers: [");

  @BeforeAll
  static void trainOnce() throws IOException {
    FixtureBundles.copyTo(FixtureBundles.SPLIT, dir.resolve("fixture"));
    TrainingRunTest.colourFolder(dir.resolve("train"), 120, 1);
    TrainingRunTest.colourFolder(dir.resolve("val"), 60, 2);
    TrainingRunTest.colourFolder(dir.resolve("test"), 60, 3);
    TrainingRunTest.outlierPngs(dir, 40);
    Files.writeString(dir.resolve("loco.yaml"), CONFIG);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    bundle = new TrainingRun(ConfigLoader.load(dir.resolve("loco.yaml")), new PrintStream(out))
        .run();
    log = out.toString();
  }

  static JsonNode json(Path p) throws IOException {
    return new ObjectMapper().readTree(p.toFile());
  }

  @Test
  void theChoiceIsTheBestFoldFprAmongCandidatesThatMeetTheFarBar() throws IOException {
    JsonNode u = json(bundle.resolve("metrics.json")).path("unknown");
    assertThat(u.path("method").asText()).isEqualTo("auto");
    JsonNode c = u.path("choice");
    assertThat(c.path("rule").asText()).isEqualTo(LocoChoice.RULE);
    // 5 singles + fusions of the best 2..5
    assertThat(c.path("candidates")).hasSize(9);
    String chosen = c.path("chosen").asText();
    double best = Double.MAX_VALUE;
    for (JsonNode k : c.path("candidates")) {
      JsonNode by = k.path("by_proxy");
      for (String fold : new String[] {"loco-red", "loco-green", "loco-blue"}) {
        assertThat(by.has(fold)).as(fold).isTrue();
      }
      double mean = (by.path("loco-red").path("fpr").asDouble()
          + by.path("loco-green").path("fpr").asDouble()
          + by.path("loco-blue").path("fpr").asDouble()) / 3;
      assertThat(k.path("validation_fpr").asDouble()).isCloseTo(mean,
          org.assertj.core.api.Assertions.within(1e-9));
      if (by.path("outliers-val").path("auroc").asDouble() >= 0.9) {
        best = Math.min(best, k.path("validation_fpr").asDouble());
      }
    }
    for (JsonNode k : c.path("candidates")) {
      if (k.path("name").asText().equals(chosen)) {
        assertThat(k.path("validation_fpr").asDouble()).isEqualTo(best);
      }
    }
    assertThat(log).contains("ood loco: 3 folds x 5 methods").contains("<- served");
    JsonNode policy = json(bundle.resolve("bundle.json")).path("unknown");
    JsonNode members = c.path("members");
    assertThat(policy.path("method").asText())
        .isEqualTo(members.size() > 1 ? "fusion" : members.get(0).asText());
  }

  @Test
  void selectionWithoutAutoOrWithTwoClassesIsAOneLineConfigError() throws IOException {
    Files.writeString(dir.resolve("fixed.yaml"), CONFIG.replace("serve: auto", "serve: knn"));
    assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("fixed.yaml")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("ood.selection: only with ood.serve: auto")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    Files.writeString(dir.resolve("two.yaml"), CONFIG.replace("labels: [red, green, blue]",
        "labels: [red, green]"));
    assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("two.yaml")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("ood.selection: loco needs a decision head with at least 3 known"
            + " classes");
    Files.writeString(dir.resolve("bar.yaml"), CONFIG.replace("far_min_auroc: 0.9",
        "far_min_auroc: 2"));
    assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("bar.yaml")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("ood.loco.far_min_auroc: in [0,1], got 2.0");
  }
}
