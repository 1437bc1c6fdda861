package dev.cerberus.model.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cerberus.model.GraphOptions;
import dev.cerberus.model.ItemPrediction;
import dev.cerberus.model.Reason;
import dev.cerberus.model.ScoreComponent;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.model.input.ModelInput;
import dev.cerberus.model.input.PreparedInput;
import dev.cerberus.model.testing.CascadeBundles;
import dev.cerberus.model.testing.Expected;
import dev.cerberus.model.testing.TestImages;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gate cascade on the real engine (flip fixture, has-stripe as the gate): every reason is
 * reached by the item the thresholds send there, the gate's score is the head's probability,
 * and the fusion's members are torch's scores whose terms sum to the fused score.
 */
class CascadeGraphTest {

  private static final JsonNode EXP = Expected.root().get("flip");

  @TempDir Path tmp;

  private MultiHeadGraph load(String name, double gateT, double fusionT, String... order)
      throws Exception {
    Path dir = CascadeBundles.write(tmp.resolve(name), gateT, fusionT, order);
    return MultiHeadGraph.load(dir, new GraphOptions("cpu", new int[0]));
  }

  private static List<PreparedInput> images(MultiHeadGraph g) throws Exception {
    JsonNode inputs = Expected.root().get("image_inputs");
    List<PreparedInput> out = new ArrayList<>();
    for (int i = 0; i < inputs.size(); i++) {
      byte[] png = TestImages.png(TestImages.IMAGE_INPUTS[i], inputs.get(i).get("height").asInt(),
          inputs.get(i).get("width").asInt());
      out.add(g.prepare(new ModelInput.Image(png), InputLimits.defaults()));
    }
    return out;
  }

  @Test
  void eachStepDecidesTheItemItsThresholdSendsThere() throws Exception {
    double[] gate = new double[3];
    double[] fusion = new double[3];
    try (MultiHeadGraph g = load("probe", 1, 1e9, "gate", "unknown", "class")) {
      List<ItemPrediction> got = g.forward(images(g));
      for (int i = 0; i < 3; i++) {
        ItemPrediction p = got.get(i);
        assertThat(p.reason()).isEqualTo(Reason.CLASS);
        assertThat(p.gate().head()).isEqualTo(CascadeBundles.GATE_HEAD);
        // the gate's score is its head's positive probability
        assertThat(p.gate().score()).isCloseTo(p.heads().get(1).probabilities()[1], within(1e-6f));
        gate[i] = p.gate().score();
        fusion[i] = p.oodScore();
      }
    }
    double[] t = CascadeBundles.thresholdsForEachReason(gate, fusion);
    try (MultiHeadGraph g = load("cascade", t[0], t[1], "gate", "unknown", "class")) {
      List<ItemPrediction> got = g.forward(images(g));
      for (int i = 0; i < 3; i++) {
        ItemPrediction p = got.get(i);
        Reason want = i == (int) t[2] ? Reason.GATE : i == (int) t[3] ? Reason.THRESHOLD : Reason.CLASS;
        assertThat(p.reason()).as("item %d", i).isEqualTo(want);
        assertThat(p.unknown()).isEqualTo(want != Reason.CLASS);
        assertThat(p.decision()).isEqualTo(p.unknown() ? "unknown" : p.heads().get(0).label());
        assertThat(p.gate().rejected()).isEqualTo(want == Reason.GATE);
        // heads without their own policy carry no reason of their own
        assertThat(p.heads()).allSatisfy(h -> assertThat(h.reason()).isNull());
      }
      assertThat(got).extracting(ItemPrediction::reason)
          .containsExactlyInAnyOrder(Reason.GATE, Reason.THRESHOLD, Reason.CLASS);
    }
  }

  @Test
  void theOrderDecidesTheReasonWhenTwoStepsReject() throws Exception {
    // the gate rejects every item, and so does the fusion
    try (MultiHeadGraph g = load("unknown-first", 0, -1e9, "unknown", "gate", "class")) {
      assertThat(g.forward(images(g))).allSatisfy(p -> {
        assertThat(p.reason()).isEqualTo(Reason.THRESHOLD);
        assertThat(p.gate().rejected()).isTrue();
      });
    }
    try (MultiHeadGraph g = load("gate-first", 0, -1e9, "gate", "unknown", "class")) {
      assertThat(g.forward(images(g))).allSatisfy(p -> assertThat(p.reason()).isEqualTo(Reason.GATE));
    }
  }

  @Test
  void fusionMembersAreTorchsScoresAndTheirTermsSumToTheFusedScore() throws Exception {
    try (MultiHeadGraph g = load("members", 1, 1e9, "gate", "unknown", "class")) {
      List<ItemPrediction> got = g.forward(images(g));
      for (int i = 0; i < 3; i++) {
        ItemPrediction p = got.get(i);
        assertThat(p.components()).extracting(ScoreComponent::name)
            .containsExactly(CascadeBundles.MEMBERS);
        double sum = 0;
        for (ScoreComponent c : p.components()) {
          double torch = EXP.get("parts").get(c.name()).get(i).asDouble();
          assertThat((double) c.score()).as("%s item %d", c.name(), i)
              .isCloseTo(torch, within(1e-4 * Math.max(1, Math.abs(torch))));
          sum += c.contribution();
        }
        assertThat(sum).isCloseTo(p.oodScore(), within(1e-4));
        assertThat((double) p.oodScore())
            .isCloseTo(EXP.get("ood_scores").get(i).asDouble(), within(1e-3));
      }
    }
  }
}
