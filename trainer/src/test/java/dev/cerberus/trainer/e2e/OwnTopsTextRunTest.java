package dev.cerberus.trainer.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cerberus.model.GraphOptions;
import dev.cerberus.model.ItemPrediction;
import dev.cerberus.model.ServableModel;
import dev.cerberus.model.heads.HeadMath;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.model.input.ModelInput;
import dev.cerberus.model.input.PreparedInput;
import dev.cerberus.trainer.TrainingRun;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-head tops end to end on the tiny text split: two binary heads with {@code top: own} and
 * one shared multiclass head train from one trunk pass, the bundle ships two own tops, loads in
 * the model module, and serves the trainer's probabilities and unknown scores.
 */
class OwnTopsTextRunTest {

  @TempDir static Path dir;
  static TrainingRun.Result run;
  static String log;

  static TrainingRun.Result train(String out, String precision, String serve, String head,
      ByteArrayOutputStream logTo) throws IOException {
    Path cfg = dir.resolve(out + ".yaml");
    Files.writeString(cfg, TextRunFixture.config(out, precision, serve, head));
    return new TrainingRun(ConfigLoader.load(cfg), new PrintStream(logTo)).runAll();
  }

  @BeforeAll
  static void trainOnce() throws IOException {
    TextRunFixture.write(dir);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    run = train("a", "fp32", "knn", "topic", out);
    log = out.toString();
  }

  static JsonNode json(Path p) throws IOException {
    return new ObjectMapper().readTree(p.toFile());
  }

  @Test
  void bundleShipsTrunkSharedTopTokenizerAndTwoOwnTops() throws IOException {
    Path b = run.bundle();
    JsonNode m = json(b.resolve("bundle.json"));
    assertThat(m.path("backbone").path("split").path("trunk").asText()).isEqualTo("trunk.pt");
    assertThat(m.path("backbone").path("split").path("top").asText()).isEqualTo("top.pt");
    assertThat(b.resolve("tokenizer.json")).isRegularFile();
    assertThat(m.path("heads").get(0).has("top")).isFalse();
    assertThat(m.path("heads").get(1).path("top").asText()).isEqualTo("heads/animal/top.pt");
    assertThat(m.path("heads").get(2).path("top").asText()).isEqualTo("heads/vehicle/top.pt");
    byte[] given = Files.readAllBytes(dir.resolve("fixture/top.pt"));
    // no backbone.fine_tune: the shared top is the given one; the own tops were tuned
    assertThat(Files.readAllBytes(b.resolve("top.pt"))).isEqualTo(given);
    assertThat(Files.readAllBytes(b.resolve("heads/animal/top.pt"))).isNotEqualTo(given);
    assertThat(Files.readAllBytes(b.resolve("heads/vehicle/top.pt")))
        .isNotEqualTo(Files.readAllBytes(b.resolve("heads/animal/top.pt")));
    assertThat(log).contains("text trunk cache: 200 items").contains("own top for 'animal'")
        .contains("own top for 'vehicle'");
  }

  @Test
  void metricsAndReportCarryEachOwnTopsHistory() throws IOException {
    JsonNode own = json(run.bundle().resolve("metrics.json")).path("extraction").path("own_tops");
    for (String h : List.of("animal", "vehicle")) {
      assertThat(own.path(h).path("epochs")).hasSize(2);
      assertThat(own.path(h).path("epochs").get(1).path("trainLoss").asDouble()).isPositive();
      assertThat(own.path(h).path("seconds").asDouble()).isPositive();
    }
    assertThat(own.has("topic")).isFalse();
    assertThat(Files.readString(run.bundle().resolve("report.html")))
        .contains("Own top of head animal").contains("Own top of head vehicle");
  }

  @Test
  void servedProbabilitiesAndUnknownScoresEqualTheTrainersFromAnFp32Cache() throws Exception {
    double[] worst = servedVsTrained(run, "knn");
    assertThat(worst[0]).isLessThan(1e-5);
    assertThat(worst[1]).isLessThan(1e-4);
  }

  @Test
  void anFp16CacheServesCloseToTheTrainer() throws Exception {
    // the trainer's tops saw fp16-rounded trunk states, the server runs the trunk in fp32
    TrainingRun.Result h = train("fp16", "fp16", "knn", "topic", new ByteArrayOutputStream());
    double[] worst = servedVsTrained(h, "knn");
    assertThat(worst[0]).isLessThan(1e-3);
    assertThat(worst[1]).isLessThan(1e-2);
  }

  @Test
  void aDecisionHeadWithItsOwnTopHasItsUnknownPolicyFittedWhereTheServerScoresIt()
      throws Exception {
    // the server scores the top-level mahalanobis on the shared features (docs/bundle.md), so
    // the trainer fits it there; fitted on the head's own top's rows instead, served scores
    // differed by 16 here
    TrainingRun.Result b = train("own-decision", "fp32", "mahalanobis", "animal",
        new ByteArrayOutputStream());
    double[] worst = servedVsTrained(b, "mahalanobis");
    assertThat(worst[0]).isLessThan(1e-5);
    assertThat(worst[1]).isLessThan(1e-3);
  }

  @Test
  void sameConfigAndSeedGiveTheSameBundleBytes() throws IOException {
    Path again = train("again", "fp32", "knn", "topic", new ByteArrayOutputStream()).bundle();
    for (String f : List.of("top.pt", "heads/animal/top.pt", "heads/vehicle/top.pt",
        "heads/topic/0.weight.npy", "heads/animal/0.weight.npy", "bank.npy")) {
      if (Files.exists(run.bundle().resolve(f))) {
        assertThat(Files.readAllBytes(again.resolve(f))).as(f)
            .isEqualTo(Files.readAllBytes(run.bundle().resolve(f)));
      }
    }
    assertThat(Files.readString(again.resolve("bundle.json")).replace("again.yaml", "a.yaml"))
        .isEqualTo(Files.readString(run.bundle().resolve("bundle.json")));
  }

  /** {max |p_served - p_trained| over heads, max relative |score_served - score_trained|}. */
  static double[] servedVsTrained(TrainingRun.Result r, String method) throws Exception {
    List<Sample> test = r.features().samples(SetRole.TEST);
    float[][][] z = r.logits().of(SetRole.TEST);
    double[] scores = r.scores().of(method, SetRole.TEST);
    double p = 0;
    double s = 0;
    try (ServableModel model = ServableModel.load(r.bundle(), GraphOptions.defaults())) {
      List<PreparedInput> batch = new ArrayList<>();
      for (Sample x : test) {
        batch.add(model.prepare(new ModelInput.Text(((Item.Text) x.item()).text()),
            InputLimits.defaults()));
      }
      List<ItemPrediction> out = model.forward(batch);
      for (int i = 0; i < out.size(); i++) {
        for (int h = 0; h < z[i].length; h++) {
          float[] served = out.get(i).heads().get(h).probabilities();
          float[] trained = probabilities(z[i][h]);
          for (int k = 0; k < trained.length; k++) p = Math.max(p, Math.abs(served[k] - trained[k]));
        }
        s = Math.max(s, Math.abs(out.get(i).oodScore() - scores[i]) / Math.max(1, Math.abs(scores[i])));
      }
    }
    System.out.printf("served vs trained (%s): probabilities %.3g, %s score %.3g%n",
        r.bundle().getParent().getFileName(), p, method, s);
    return new double[] {p, s};
  }

  static float[] probabilities(float[] z) {
    return HeadMath.probabilities(z.length == 1, z, 0, z.length);
  }
}
