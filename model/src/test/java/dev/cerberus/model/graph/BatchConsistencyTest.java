package dev.cerberus.model.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.cerberus.model.GraphOptions;
import dev.cerberus.model.bundle.BundleManifest.InputSpec;
import dev.cerberus.model.bundle.BundleManifest.TensorSpec;
import dev.cerberus.model.input.PreparedInput;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An item's features must not depend on the batch it is computed in. On AMD EPYC (Zen 4)
 * machines here, libtorch 2.7.1's oneDNN AVX-512 convolution kernels gave item 0 of a batch
 * of two 96 x 96 MobileNetV2 inputs different features than the same item alone (0.192 vs
 * 0.124 in one output); PyTorch 1.13 and oneDNN limited to AVX2 give the right ones. The
 * launcher and the test JVMs therefore set ONEDNN_MAX_CPU_ISA=AVX2 (docs/settings.md); this
 * test fails when that guard is missing on such a machine.
 */
class BatchConsistencyTest {

  private static final Path BACKBONE = Path.of(System.getProperty("cerberus.repo.root", ".."))
      .resolve("models/fashion/1/backbone.pt");

  private static PreparedInput item(int n) {
    float[] v = new float[3 * 96 * 96];
    for (int c = 0; c < 3; c++)
      for (int y = 0; y < 96; y++)
        for (int x = 0; x < 96; x++) v[(c * 96 + y) * 96 + x] = ((50 * n + 80 * c + 3 * x + 7 * y) % 256) / 255f;
    return new PreparedInput.Values(v);
  }

  @Test
  void featuresOfAnItemDoNotDependOnItsBatch() throws Exception {
    InputSpec in = new InputSpec("tensor", null, null, new TensorSpec(new long[] {3, 96, 96}));
    try (FeatureExtractor bb = FeatureExtractor.forFile(BACKBONE, in, "pooled", GraphOptions.defaults(), 4)) {
      List<PreparedInput> items = List.of(item(0), item(1), item(2));
      for (int size = 2; size <= 3; size++) {
        float[][] batch = bb.extract(items.subList(0, size));
        for (int i = 0; i < size; i++) {
          float[] alone = bb.extract(List.of(items.get(i)))[0];
          assertThat(batch[i]).as("item %d of a batch of %d vs alone", i, size)
              .containsExactly(alone, within(1e-4f));
        }
      }
    }
  }
}
