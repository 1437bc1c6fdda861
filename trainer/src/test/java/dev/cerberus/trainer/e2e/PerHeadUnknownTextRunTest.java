package dev.cerberus.trainer.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cerberus.model.GraphOptions;
import dev.cerberus.model.ItemPrediction;
import dev.cerberus.model.ServableModel;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.model.input.ModelInput;
import dev.cerberus.model.input.PreparedInput;
import dev.cerberus.trainer.TrainingRun;
import dev.cerberus.trainer.config.ConfigLoader;
import dev.cerberus.trainer.data.Item;
import dev.cerberus.trainer.data.Sample;
import dev.cerberus.trainer.stage.HeadPolicies.HeadPolicy;
import dev.cerberus.trainer.stage.SetId;
import dev.cerberus.trainer.stage.SetRole;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ood.per_head: true} end to end on the tiny text split (one shared multiclass head, two
 * binary "base vs X" heads with their own tops): every head gets its own calibrated policy in
 * bundle.json, and the model module serves the trainer's per-head verdicts.
 */
class PerHeadUnknownTextRunTest {

  static final List<String> HEADS = List.of("topic", "animal", "vehicle");
  static final SetId OOD = SetId.ood("val");

  @TempDir static Path dir;
  static TrainingRun.Result knn;

  static TrainingRun.Result train(String out, String serve, String extraOod) throws IOException {
    Path cfg = dir.resolve(out + ".yaml");
    Files.writeString(cfg, TextRunFixture.config(out, "fp32", serve, "topic")
        .replace("  knn_k: 3\n", "  knn_k: 3\n  per_head: true\n" + extraOod));
    return new TrainingRun(ConfigLoader.load(cfg), new PrintStream(new ByteArrayOutputStream()))
        .runAll();
  }

  @BeforeAll
  static void trainOnce() throws IOException {
    TextRunFixture.write(dir);
    knn = train("knn", "knn", "");
  }

  @Test
  void everyHeadCarriesItsOwnCalibratedPolicyAndStatistics() throws IOException {
    JsonNode m = OwnTopsTextRunTest.json(knn.bundle().resolve("bundle.json"));
    assertThat(m.path("unknown").path("method").asText()).isEqualTo("knn");
    for (int h = 0; h < HEADS.size(); h++) {
      JsonNode u = m.path("heads").get(h).path("unknown");
      assertThat(u.path("method").asText()).isEqualTo("knn");
      assertThat(u.path("threshold").isNumber()).isTrue();
      assertThat(u.path("calibrated_tpr").asDouble()).isEqualTo(0.95);
      String bank = u.path("bank").asText();
      assertThat(bank).isEqualTo("heads/" + HEADS.get(h) + "/unknown/ood/knn_bank.npy");
      assertThat(knn.bundle().resolve(bank)).isRegularFile();
    }
  }

  @Test
  void eachHeadsValidationTprIsCloseToTheTarget() {
    for (HeadPolicy p : knn.headPolicies().heads()) {
      // 30 labelled validation rows per head: the threshold accepts at least 95%, at most 1 more
      assertThat(p.validationTpr()).as(p.head()).isBetween(0.95, 0.95 + 1.0 / 30 + 1e-9);
    }
  }

  @Test
  void metricsAndReportCarryPerHeadAndOverallRates() throws IOException {
    JsonNode u = OwnTopsTextRunTest.json(knn.bundle().resolve("metrics.json")).path("unknown");
    for (String h : HEADS) {
      JsonNode e = u.path("per_head").path(h);
      assertThat(e.path("method").asText()).isEqualTo("knn");
      assertThat(e.path("ood").path("val").path("auroc").asDouble()).isBetween(0.0, 1.0);
      assertThat(e.path("ood").path("val").has("fpr95")).isTrue();
    }
    JsonNode o = u.path("overall");
    assertThat(o.path("top_level_decides").asBoolean()).isTrue();
    assertThat(o.path("id_accepted_by_any_head").asDouble())
        .isGreaterThanOrEqualTo(o.path("id_known").asDouble());
    assertThat(o.path("ood_rejected_by_all_heads").path("val").asDouble()).isBetween(0.0, 1.0);
    assertThat(Files.readString(knn.bundle().resolve("report.html")))
        .contains("Per-head unknown policies").contains("none of these");
  }

  @Test
  void servedPerHeadVerdictsEqualTheTrainers() throws Exception {
    assertThat(servedVsTrained(knn, SetId.of(SetRole.TEST), true)).isLessThan(1e-4);
    assertThat(servedVsTrained(knn, OOD, true)).isLessThan(1e-4);
  }

  @Test
  void anOwnTopHeadsFeaturePolicyIsScoredOnItsOwnFeatures() throws Exception {
    // 'animal' reads its own top: its k-NN policy scored on the shared rows ('topic' reads
    // them) is far from the served score, so the equality above pins the own features
    HeadPolicy animal = knn.headPolicies().of("animal");
    SetId test = SetId.of(SetRole.TEST);
    float[][] shared = knn.features().of("topic").get(test).features();
    float[][] own = knn.features().of("animal").get(test).features();
    float[][][] z = knn.logits().of(test);
    double gap = 0;
    for (int i = 0; i < shared.length; i++) {
      double onOwn = animal.fitted().scorer().score(own[i], z[i]);
      assertThat(onOwn).isCloseTo(animal.of(test)[i], org.assertj.core.api.Assertions.within(1e-9));
      gap = Math.max(gap, Math.abs(animal.fitted().scorer().score(shared[i], z[i]) - onOwn));
    }
    System.out.printf("per-head knn of 'animal' on shared vs own rows: up to %.3g apart%n", gap);
    assertThat(gap).isGreaterThan(1e-2);
  }

  @Test
  void mahalanobisOverrideAndTopLevelNoneServeNoneOfThese() throws Exception {
    TrainingRun.Result r = train("maha", "mahalanobis",
        "  top_level: none\n");
    JsonNode m = OwnTopsTextRunTest.json(r.bundle().resolve("bundle.json"));
    assertThat(m.path("unknown").path("method").asText()).isEqualTo("none");
    assertThat(m.path("metrics").has("unknown.val.auroc")).isFalse();
    assertThat(m.path("metrics").has("animal.unknown.val.auroc")).isTrue();
    assertThat(m.path("heads").get(1).path("unknown").path("means").asText())
        .isEqualTo("heads/animal/unknown/ood/mahalanobis_means.npy");
    assertThat(servedVsTrained(r, SetId.of(SetRole.TEST), false)).isLessThan(1e-3);
    assertThat(servedVsTrained(r, OOD, false)).isLessThan(1e-3);
  }

  /**
   * Serves the set's items; asserts every head's own verdict and the overall verdict equal the
   * trainer's (a score within float rounding of the threshold may go either way) and returns
   * the largest relative score difference.
   */
  static double servedVsTrained(TrainingRun.Result r, SetId set, boolean topLevel)
      throws Exception {
    return servedVsTrained(r, set, topLevel,
        x -> new ModelInput.Text(((Item.Text) x.item()).text()));
  }

  static double servedVsTrained(TrainingRun.Result r, SetId set, boolean topLevel,
      Function<Sample, ModelInput> input) throws Exception {
    List<Sample> items = r.features().samples(set);
    double worst = 0;
    int accepted = 0;
    int overallUnknown = 0;
    try (ServableModel model = ServableModel.load(r.bundle(), GraphOptions.defaults())) {
      List<PreparedInput> batch = new ArrayList<>();
      for (Sample x : items) {
        batch.add(model.prepare(input.apply(x), InputLimits.defaults()));
      }
      List<ItemPrediction> out = model.forward(batch);
      for (int i = 0; i < out.size(); i++) {
        boolean anyAccepts = false;
        boolean borderline = false;
        for (HeadPolicy p : r.headPolicies().heads()) {
          var served = out.get(i).heads().get(p.index()).ownUnknown();
          double trained = p.of(set)[i];
          worst = Math.max(worst, Math.abs(served.oodScore() - trained)
              / Math.max(1, Math.abs(trained)));
          boolean near = Math.abs(trained - p.threshold()) < 1e-4 * Math.max(1, Math.abs(trained));
          borderline |= near;
          if (!near) {
            assertThat(served.accepted()).as(p.head() + " item " + i).isEqualTo(p.accepts(set, i));
          }
          anyAccepts |= p.accepts(set, i);
          accepted += p.accepts(set, i) ? 1 : 0;
        }
        // the top-level verdict as served (its equality with the trainer's is OwnTopsTextRunTest's)
        boolean topAccepts = !topLevel || out.get(i).oodScore() <= out.get(i).threshold();
        if (!borderline) {
          assertThat(out.get(i).unknown()).as("overall item " + i)
              .isEqualTo(!(anyAccepts && topAccepts));
        }
        overallUnknown += out.get(i).unknown() ? 1 : 0;
      }
    }
    System.out.printf("per-head %s: %d items, %d head acceptances, %d unknown overall, "
        + "scores within %.3g%n", set, items.size(), accepted, overallUnknown, worst);
    return worst;
  }
}
