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
            false, null,
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

  /** A one-head manifest on the image fixture's backbone, named {@code version}. */
  private BundleManifest manifest(Path fixture, String version, List<BundleManifest.LayerSpec> layers)
      throws java.io.IOException {
    return new BundleManifest(1, "written", version, null,
        new InputSpec("image", new ImageSpec(16, 16, null, null, null, null, null), null, null),
        new BackboneSpec("backbone.pt", null, "pooled", 8, BundleWriter.sha256(fixture.resolve("backbone.pt"))),
        false, null,
        List.of(new HeadSpec("kind", "multiclass", List.of("a", "b", "c"), layers, null)),
        new UnknownPolicy("max_softmax", null, 0.4, 0.95, null, null, null, null, null, null, null, null, null, null),
        Map.of(), Map.of());
  }

  private static List<DenseLayer> linear() {
    return List.of(new DenseLayer(3, 8, new float[24], new float[3], Activation.NONE));
  }

  @Test
  void replacingStagesBesideTheOutputAndKeepsFilesPeoplePutThere() throws Exception {
    Path fixture = FixtureBundles.copyTo("image", tmp.resolve("src"));
    Path out = tmp.resolve("models/m/1");
    java.nio.file.Files.createDirectories(out);
    java.nio.file.Files.writeString(out.resolve("MODEL_CARD.md"), "card");
    java.nio.file.Files.writeString(out.resolve("report.html"), "old report");
    Path ownerOnly = java.nio.file.Files.createTempFile(tmp, "top", ".pt");
    java.nio.file.Files.write(ownerOnly, java.nio.file.Files.readAllBytes(fixture.resolve("backbone.pt")));
    java.nio.file.Files.setPosixFilePermissions(ownerOnly,
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    Bundle b;
    try (BundleWriter w = BundleWriter.replacing(out)) {
      // staged in a hidden sibling, not in the output itself
      assertThat(w.dir().getParent()).isEqualTo(out.getParent());
      assertThat(w.dir()).isNotEqualTo(out);
      w.copyFile(ownerOnly, "backbone.pt");
      w.writeText("report.html", "new report");
      b = w.finish(manifest(fixture, "2", w.writeHead("kind", linear())));
    }
    assertThat(b.dir()).isEqualTo(out);
    assertThat(out.resolve("MODEL_CARD.md")).hasContent("card");
    assertThat(out.resolve("report.html")).hasContent("new report");
    assertThat(java.nio.file.Files.readString(out.resolve("bundle.json"))).endsWith("}\n");
    // a server running as another user reads the folder and a copy of an owner-only file
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
        java.nio.file.Files.getPosixFilePermissions(out))).isEqualTo("rwxr-xr-x");
    assertThat(java.nio.file.Files.getPosixFilePermissions(out.resolve("backbone.pt")))
        .contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ);
    try (var left = java.nio.file.Files.list(out.getParent())) {
      assertThat(left.map(p -> p.getFileName().toString())).containsExactly("1");
    }
  }

  @Test
  void aBundleThatFailsValidationNeverReplacesTheGoodOne() throws Exception {
    Path fixture = FixtureBundles.copyTo("image", tmp.resolve("src"));
    Path out = tmp.resolve("models/m/1");
    try (BundleWriter w = BundleWriter.replacing(out)) {
      w.copyFile(fixture.resolve("backbone.pt"), "backbone.pt");
      w.finish(manifest(fixture, "good", w.writeHead("kind", linear())));
    }
    try (BundleWriter w = BundleWriter.replacing(out)) {
      w.copyFile(fixture.resolve("backbone.pt"), "backbone.pt");
      // the head's weights are never written: the reader refuses the manifest
      List<BundleManifest.LayerSpec> missing = List.of(new BundleManifest.LayerSpec(
          "heads/kind/0.weight.npy", "heads/kind/0.bias.npy", "none"));
      assertThatThrownBy(() -> w.finish(manifest(fixture, "bad", missing)))
          .isInstanceOf(BundleException.class);
    }
    assertThat(BundleReader.read(out).manifest().version()).isEqualTo("good");
    try (var left = java.nio.file.Files.list(out.getParent())) {
      assertThat(left.map(p -> p.getFileName().toString())).containsExactly("1");
    }
  }
}
