package dev.cerberus.model.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cerberus.model.GraphOptions;
import dev.cerberus.model.HeadPrediction;
import dev.cerberus.model.ItemPrediction;
import dev.cerberus.model.bundle.Bundle;
import dev.cerberus.model.bundle.BundleReader;
import dev.cerberus.model.bundle.FlipMode;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.model.input.ModelInput;
import dev.cerberus.model.input.PreparedInput;
import dev.cerberus.model.testing.FixtureBundles;
import dev.cerberus.model.testing.TestImages;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flip_tta} (docs/bundle.md): the heads read the mean of f(x) and f(mirror x), so an
 * image and its mirror get the same features and the same predictions; on the fixture CNN,
 * whose plain features do tell them apart.
 */
class FlipTtaTest {

  private static final TestImages.Formula X = (c, y, x) -> (3 * x + 7 * y * y + 40 * c) % 256;
  private static final TestImages.Formula MIRROR_X = (c, y, x) -> X.value(c, y, 15 - x);

  @TempDir Path tmp;

  private static List<ModelInput> imageAndMirror() {
    return List.of(new ModelInput.Image(TestImages.png(X, 16, 16)),
        new ModelInput.Image(TestImages.png(MIRROR_X, 16, 16)));
  }

  private static float[][] features(Bundle b, FlipMode mode) throws Exception {
    try (FeatureExtractor fx = FeatureExtractor.open(b.dir(), b.manifest().input(),
        b.manifest().backbone(), mode, GraphOptions.defaults(), 2)) {
      return fx.extractInputs(imageAndMirror(), InputLimits.defaults());
    }
  }

  @Test
  void ttaFeaturesAreTheMeanOfAnImageAndItsMirror() throws Exception {
    Bundle b = BundleReader.read(FixtureBundles.copyTo(FixtureBundles.IMAGE, tmp));
    float[][] plain = features(b, FlipMode.NONE);
    float[][] tta = features(b, FlipMode.TTA);
    float maxGap = 0;
    for (int j = 0; j < plain[0].length; j++) {
      maxGap = Math.max(maxGap, Math.abs(plain[0][j] - plain[1][j]));
    }
    assertThat(maxGap).as("the plain features of x and its mirror differ").isGreaterThan(1e-3f);
    assertThat(tta[0]).hasSize(plain[0].length);
    for (int j = 0; j < plain[0].length; j++) {
      assertThat(tta[0][j]).isCloseTo((plain[0][j] + plain[1][j]) / 2, within(1e-5f));
    }
    assertThat(tta[1]).containsExactly(tta[0], within(1e-6f));
  }

  @Test
  void ttaBundleGivesAnImageAndItsMirrorTheSamePrediction() throws Exception {
    Path dir = FixtureBundles.copyTo(FixtureBundles.IMAGE, tmp);
    Path manifest = dir.resolve("bundle.json");
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = (ObjectNode) json.readTree(manifest.toFile());
    root.put("flip_tta", true);
    json.writeValue(manifest.toFile(), root);
    try (MultiHeadGraph g = MultiHeadGraph.load(dir, new GraphOptions("cpu", new int[] {2}))) {
      assertThat(g.bundle().manifest().flip()).isEqualTo(FlipMode.TTA);
      List<PreparedInput> batch = List.of(
          g.prepare(imageAndMirror().get(0), InputLimits.defaults()),
          g.prepare(imageAndMirror().get(1), InputLimits.defaults()));
      List<ItemPrediction> p = g.forward(batch);
      for (int h = 0; h < p.get(0).heads().size(); h++) {
        HeadPrediction a = p.get(0).heads().get(h);
        assertThat(p.get(1).heads().get(h).probabilities()).as(a.head())
            .containsExactly(a.probabilities(), within(1e-6f));
      }
      assertThat(p.get(1).oodScore()).isCloseTo(p.get(0).oodScore(), within(1e-6f));
    }
  }
}
