package dev.cerberus.model.graph;

import static org.assertj.core.api.Assertions.assertThat;
import dev.cerberus.model.bundle.FlipMode;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cerberus.model.GraphOptions;
import dev.cerberus.model.bundle.Bundle;
import dev.cerberus.model.bundle.BundleReader;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.model.input.ModelInput;
import dev.cerberus.model.testing.Expected;
import dev.cerberus.model.testing.FixtureBundles;
import dev.cerberus.model.testing.TestImages;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureExtractorTest {

  @TempDir Path tmp;

  private static List<ModelInput> images() {
    JsonNode in = Expected.root().get("image_inputs");
    List<ModelInput> out = new ArrayList<>();
    for (int i = 0; i < in.size(); i++) {
      out.add(new ModelInput.Image(TestImages.png(TestImages.IMAGE_INPUTS[i], in.get(i).get("height").asInt(), in.get(i).get("width").asInt())));
    }
    return out;
  }

  @Test
  void bundleFeaturesInBatchesOfTwoEqualTorch() throws Exception {
    Bundle b = BundleReader.read(FixtureBundles.copyTo("flip", tmp));
    try (FeatureExtractor fx =
        FeatureExtractor.open(b.dir(), b.manifest().input(), b.manifest().backbone(), FlipMode.FEATURES, GraphOptions.defaults(), 2)) {
      float[][] f = fx.extractInputs(images(), InputLimits.defaults());
      JsonNode exp = Expected.root().get("flip").get("features");
      assertThat(f.length).isEqualTo(3);
      for (int i = 0; i < 3; i++) assertThat(f[i]).containsExactly(Expected.floats(exp.get(i)), within(1e-4f));
    }
  }

  @Test
  void trunkFileOutputIsFlattenedPerItem() throws Exception {
    Bundle b = BundleReader.read(FixtureBundles.copyTo("split", tmp));
    try (FeatureExtractor fx =
        FeatureExtractor.forFile(b.resolve("trunk.pt"), b.manifest().input(), "pooled", GraphOptions.defaults(), 2)) {
      float[][] f = fx.extractInputs(images(), InputLimits.defaults());
      assertThat(f.length).isEqualTo(3);
      assertThat(f[0]).hasSize(8 * 8 * 8); // [8 channels, 16/2, 16/2]
    }
  }
}
