package dev.cerberus.model.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cerberus.model.GraphOptions;
import dev.cerberus.model.HeadPrediction;
import dev.cerberus.model.ItemPrediction;
import dev.cerberus.model.bundle.Npy;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.model.input.ModelInput;
import dev.cerberus.model.input.PreparedInput;
import dev.cerberus.model.ood.OodMath;
import dev.cerberus.model.testing.Expected;
import dev.cerberus.model.testing.FixtureBundles;
import dev.cerberus.model.testing.TestImages;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-head unknown policies on the split fixture: each head's score on its own features (the
 * tuned head's own top, torch's {@code own_features}) and the overall "none of these" rule.
 */
class HeadUnknownGraphTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNode EXP = Expected.root().get("split");

  @TempDir Path tmp;

  private static float[] row(String key, int i) {
    return Expected.floats(EXP.get(key).get(i));
  }

  private static float[] bank(int rows) {
    Random r = new Random(7);
    float[] b = new float[rows * 8];
    for (int i = 0; i < rows; i++) {
      double n = 0;
      for (int j = 0; j < 8; j++) {
        b[i * 8 + j] = (float) r.nextGaussian();
        n += b[i * 8 + j] * b[i * 8 + j];
      }
      for (int j = 0; j < 8; j++) b[i * 8 + j] /= (float) Math.sqrt(n);
    }
    return b;
  }

  private static float[][] means() {
    Random r = new Random(3);
    float[][] m = new float[2][8];
    for (float[] row : m) for (int j = 0; j < 8; j++) row[j] = (float) r.nextGaussian();
    return m;
  }

  private static float[] identity() {
    float[] p = new float[64];
    for (int i = 0; i < 8; i++) p[i * 9] = 1;
    return p;
  }

  /** Torch-side reference scores: knn on tuned's own features, mahalanobis on shared. */
  private static double[][] referenceScores() {
    double[][] s = new double[2][3];
    for (int i = 0; i < 3; i++) {
      s[0][i] = OodMath.knn(row("own_features", i), bank(4), 4, 2);
      s[1][i] = OodMath.mahalanobis(row("features", i), means(), identity());
    }
    return s;
  }

  /** Accepts the two items of lowest score, rejects the third. */
  private static double belowHighest(double[] scores) {
    double[] sorted = scores.clone();
    Arrays.sort(sorted);
    return (sorted[1] + sorted[2]) / 2;
  }

  /** The split fixture with its top-level energy threshold set and both per-head policies. */
  private MultiHeadGraph load(double topThreshold, double tunedThreshold, double shared2Threshold)
      throws Exception {
    Path dir = FixtureBundles.copyTo(FixtureBundles.SPLIT, tmp.resolve(topThreshold + "_" + tunedThreshold));
    java.nio.file.Files.createDirectories(dir.resolve("heads/tuned/unknown"));
    java.nio.file.Files.createDirectories(dir.resolve("heads/shared2/unknown"));
    Npy.write(dir.resolve("heads/tuned/unknown/bank.npy"), new int[] {4, 8}, bank(4));
    float[][] m = means();
    float[] flat = new float[16];
    System.arraycopy(m[0], 0, flat, 0, 8);
    System.arraycopy(m[1], 0, flat, 8, 8);
    Npy.write(dir.resolve("heads/shared2/unknown/means.npy"), new int[] {2, 8}, flat);
    Npy.write(dir.resolve("heads/shared2/unknown/precision.npy"), new int[] {8, 8}, identity());
    ObjectNode root = (ObjectNode) JSON.readTree(dir.resolve("bundle.json").toFile());
    ((ObjectNode) root.get("unknown")).put("threshold", topThreshold);
    ((ObjectNode) root.get("heads").get(1)).putObject("unknown").put("method", "knn")
        .put("bank", "heads/tuned/unknown/bank.npy").put("k", 2).put("threshold", tunedThreshold);
    ((ObjectNode) root.get("heads").get(2)).putObject("unknown").put("method", "mahalanobis")
        .put("means", "heads/shared2/unknown/means.npy")
        .put("precision", "heads/shared2/unknown/precision.npy").put("threshold", shared2Threshold);
    JSON.writeValue(dir.resolve("bundle.json").toFile(), root);
    return MultiHeadGraph.load(dir, new GraphOptions("cpu", new int[] {1}));
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
  void eachHeadIsScoredOnItsOwnFeaturesAndTheOverallRuleHolds() throws Exception {
    double[][] ref = referenceScores();
    double tunedT = belowHighest(ref[0]);
    double sharedT = belowHighest(ref[1]);
    // torch's energy scores of the three items are all in (-0.01, 0.05): 0.02 splits them
    double topT = 0.02;
    try (MultiHeadGraph g = load(topT, tunedT, sharedT)) {
      List<ItemPrediction> got = g.forward(images(g));
      int overallUnknown = 0;
      for (int i = 0; i < 3; i++) {
        ItemPrediction p = got.get(i);
        assertThat(p.heads().get(0).hasOwnPolicy()).isFalse();
        HeadPrediction tuned = p.heads().get(1);
        HeadPrediction shared2 = p.heads().get(2);
        assertThat((double) tuned.ownUnknown().oodScore()).as("knn item %d", i)
            .isCloseTo(ref[0][i], within(1e-4));
        assertThat((double) shared2.ownUnknown().oodScore()).as("mahalanobis item %d", i)
            .isCloseTo(ref[1][i], within(1e-4 * Math.max(1, ref[1][i])));
        assertThat(tuned.ownUnknown().unknown()).isEqualTo(ref[0][i] > tunedT);
        assertThat(shared2.ownUnknown().unknown()).isEqualTo(ref[1][i] > sharedT);
        assertThat(tuned.ownUnknown().oodMethod()).isEqualTo("knn");
        assertThat(tuned.ownUnknown().threshold()).isEqualTo((float) tunedT);
        // the top-level policy (energy) is reported as before
        double top = EXP.get("ood_scores").get(i).asDouble();
        assertThat((double) p.oodScore()).isCloseTo(top, within(1e-4 * Math.max(1, Math.abs(top))));
        assertThat(p.oodMethod()).isEqualTo("energy");
        boolean noneAccepts = ref[0][i] > tunedT && ref[1][i] > sharedT;
        assertThat(p.acceptedHeads().isEmpty()).isEqualTo(noneAccepts);
        assertThat(p.unknown()).isEqualTo(top > topT || noneAccepts);
        assertThat(p.decision()).isEqualTo(p.unknown() ? "unknown" : p.heads().get(0).label());
        if (p.unknown()) overallUnknown++;
      }
      // two items pass the top-level policy and two the knn head: one passes both
      assertThat(overallUnknown).isLessThan(3);
    }
  }

  @Test
  void noHeadAcceptingMakesTheItemUnknownEvenWhenTheTopLevelPolicyAccepts() throws Exception {
    try (MultiHeadGraph g = load(1, -1, -1)) {
      for (ItemPrediction p : g.forward(images(g))) {
        assertThat(p.acceptedHeads()).isEmpty();
        assertThat(p.unknown()).isTrue();
        assertThat(p.decision()).isEqualTo(ItemPrediction.UNKNOWN);
        assertThat(p.threshold()).isEqualTo(1f);
        assertThat(p.oodScore()).isLessThan(1f); // the top-level policy alone would accept
      }
    }
    try (MultiHeadGraph g = load(-0.5, 1e9, -1)) {
      List<ItemPrediction> got = g.forward(images(g));
      for (int i = 0; i < got.size(); i++) {
        ItemPrediction p = got.get(i);
        assertThat(p.acceptedHeads()).containsExactly("tuned");
        assertThat(p.unknown()).isEqualTo(EXP.get("ood_scores").get(i).asDouble() > -0.5);
      }
    }
  }
}
