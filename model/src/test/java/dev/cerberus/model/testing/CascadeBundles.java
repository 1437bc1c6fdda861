package dev.cerberus.model.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The flip fixture (heads facing + has-stripe, top-level fusion of energy + mahalanobis + knn)
 * turned into a gate cascade: {@code decision.gate} is has-stripe (its "stripe" probability is
 * the gate's "out" score), thresholds given by the test. Shared with the server's tests.
 */
public final class CascadeBundles {

  /** The gate head of the cascade fixture. */
  public static final String GATE_HEAD = "has-stripe";
  /** The fusion members of the flip fixture, as results name them. */
  public static final String[] MEMBERS = {"energy", "mahalanobis", "knn"};

  private static final ObjectMapper JSON = new ObjectMapper();

  private CascadeBundles() {}

  /**
   * Copies the flip fixture to {@code parent/flip} with this decision order, gate threshold and
   * fusion threshold, and returns the bundle folder.
   */
  public static Path write(Path parent, double gateThreshold, double fusionThreshold,
      String... order) {
    Path dir = FixtureBundles.copyTo(FixtureBundles.FLIP, parent);
    Path manifest = dir.resolve("bundle.json");
    try {
      ObjectNode root = (ObjectNode) JSON.readTree(manifest.toFile());
      ((ObjectNode) root.get("unknown")).put("threshold", fusionThreshold);
      ObjectNode decision = root.putObject("decision");
      var list = decision.putArray("order");
      Arrays.stream(order).forEach(list::add);
      decision.putObject("gate").put("head", GATE_HEAD).put("threshold", gateThreshold);
      JSON.writeValue(manifest.toFile(), root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }

  /**
   * Thresholds that send one item to each step of {@code [gate, unknown, class]}: the gate
   * rejects only the item of the highest gate score; of the rest the unknown policy rejects only
   * the one of the highest fusion score (needs >= 3 items with distinct scores).
   *
   * @return {gate threshold, fusion threshold, index gated, index rejected by threshold}
   */
  public static double[] thresholdsForEachReason(double[] gateScores, double[] fusionScores) {
    int gated = argmax(gateScores, -1);
    double gateT = (gateScores[gated] + max(gateScores, gated)) / 2;
    int rejected = argmax(fusionScores, gated);
    double second = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < fusionScores.length; i++) {
      if (i != gated && i != rejected) second = Math.max(second, fusionScores[i]);
    }
    return new double[] {gateT, (fusionScores[rejected] + second) / 2, gated, rejected};
  }

  private static int argmax(double[] v, int skip) {
    int best = -1;
    for (int i = 0; i < v.length; i++) {
      if (i != skip && (best < 0 || v[i] > v[best])) best = i;
    }
    return best;
  }

  private static double max(double[] v, int skip) {
    return v[argmax(v, skip)];
  }
}
