package dev.cerberus.model.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cerberus.model.bundle.BundleManifest.BackboneSpec;
import dev.cerberus.model.bundle.BundleManifest.HeadSpec;
import dev.cerberus.model.bundle.BundleManifest.ImageSpec;
import dev.cerberus.model.bundle.BundleManifest.InputSpec;
import dev.cerberus.model.bundle.BundleManifest.UnknownPolicy;
import dev.cerberus.model.heads.Activation;
import dev.cerberus.model.heads.DenseLayer;
import dev.cerberus.model.testing.FixtureBundles;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleWriterTest {

  @TempDir Path tmp;

  @Test
  void writesABundleTheReaderAccepts() throws Exception {
    Path fixture = FixtureBundles.copyTo("image", tmp.resolve("src"));
    BundleWriter w = BundleWriter.create(tmp.resolve("out"));
    w.copyFile(fixture.resolve("backbone.pt"), "backbone.pt");
    DenseLayer l0 = new DenseLayer(4, 8, new float[32], new float[] {1, 2, 3, 4}, Activation.RELU);
    DenseLayer l1 = new DenseLayer(3, 4, new float[12], new float[3], Activation.NONE);
    var layers = w.writeHead("kind", List.of(l0, l1));
    w.writeArray("ood/bank.npy", new int[] {2, 8}, new float[16]);
    var manifest =
        new BundleManifest(
            1, "written", "3", null,
            new InputSpec("image", new ImageSpec(16, 16, null, null, null, null, null), null, null),
            new BackboneSpec("backbone.pt", null, "pooled", 8, BundleWriter.sha256(fixture.resolve("backbone.pt"))),
            false,
            List.of(new HeadSpec("kind", "multiclass", List.of("a", "b", "c"), layers, null)),
            new UnknownPolicy("knn", null, 0.4, 0.95, null, null, null, null, "ood/bank.npy", 2, null, null, null, null),
            Map.of("trainer", "test"),
            Map.of("accuracy", 0.9));
    Bundle b = w.finish(manifest);
    assertThat(b.manifest().heads().get(0).layers().get(0).activation()).isEqualTo("relu");
    assertThat(b.headLayers().get(0).get(0).bias()).containsExactly(1, 2, 3, 4);
    assertThat(b.oodArrays().get("ood/bank.npy").shape()).containsExactly(2, 8);
    assertThat(b.manifest().unknown().kOrDefault()).isEqualTo(2);
    // the manifest is snake_case on disk and defaults are written explicitly
    String json = java.nio.file.Files.readString(b.dir().resolve("bundle.json"));
    assertThat(json).contains("\"schema_version\"", "\"feature_size\"", "\"calibrated_tpr\"", "\"resize\" : \"bilinear\"");
    assertThatThrownBy(() -> w.writeArray("../escape.npy", new int[] {1}, new float[1]))
        .hasMessageContaining("leaves the bundle folder");
  }
}
