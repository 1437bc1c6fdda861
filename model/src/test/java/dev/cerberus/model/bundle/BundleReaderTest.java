package dev.cerberus.model.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cerberus.model.GraphOptions;
import dev.cerberus.model.graph.MultiHeadGraph;
import dev.cerberus.model.testing.FixtureBundles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every validation rule of docs/bundle.md fails with a message naming file and field. */
class BundleReaderTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private Path bundle(String name, Consumer<ObjectNode> edit) throws Exception {
    Path dir = FixtureBundles.copyTo(name, tmp);
    Path manifest = dir.resolve("bundle.json");
    ObjectNode root = (ObjectNode) JSON.readTree(manifest.toFile());
    edit.accept(root);
    JSON.writeValue(manifest.toFile(), root);
    return dir;
  }

  private void assertRejected(String name, Consumer<ObjectNode> edit, String... parts) throws Exception {
    Path dir = bundle(name, edit);
    var thrown = assertThatThrownBy(() -> BundleReader.read(dir)).isInstanceOf(BundleException.class);
    for (String p : parts) thrown.hasMessageContaining(p);
  }

  private static ObjectNode head(ObjectNode root, int i) {
    return (ObjectNode) root.get("heads").get(i);
  }

  private static ObjectNode layer(ObjectNode root, int h, int l) {
    return (ObjectNode) head(root, h).get("layers").get(l);
  }

  @Test
  void readsTheFixturesAndIgnoresUnknownFields() throws Exception {
    for (String name : new String[] {"image", "flip", "split", "text"}) {
      Bundle b = BundleReader.read(FixtureBundles.copyTo(name, tmp));
      assertThat(b.manifest().name()).isEqualTo(name);
      assertThat(b.manifest().schemaVersion()).isEqualTo(1);
    }
    Bundle img = BundleReader.read(tmp.resolve("image"));
    assertThat(img.manifest().input().image().mean()).containsExactly(0.5f, 0.4f, 0.3f);
    assertThat(img.manifest().numericMetrics()).containsEntry("accuracy", 0.5);
    assertThat(img.headLayers().get(1)).hasSize(2);
    assertThat(img.decisionHeadIndex()).isZero();
  }

  @Test
  void fixtureRepositoryLayoutHoldsEveryBundleAsVersionOne() throws Exception {
    Path repo = FixtureBundles.repository(tmp.resolve("repo"));
    for (String name : new String[] {"image", "flip", "split", "text"}) {
      assertThat(BundleReader.read(repo.resolve(name).resolve("1")).manifest().name()).isEqualTo(name);
    }
  }

  @Test
  void missingManifestOrUnparseableJson() throws Exception {
    assertThatThrownBy(() -> BundleReader.read(tmp)).hasMessageContaining("bundle.json").hasMessageContaining("missing manifest");
    Path dir = FixtureBundles.copyTo("image", tmp);
    Files.writeString(dir.resolve("bundle.json"), "{ not json");
    assertThatThrownBy(() -> BundleReader.read(dir)).hasMessageContaining("not a valid manifest");
  }

  @Test
  void schemaVersion() throws Exception {
    assertRejected("image", r -> r.put("schema_version", 2), "schema_version", "2 is not supported", "supported: 1");
    assertRejected("image", r -> r.remove("schema_version"), "schema_version", "required");
  }

  @Test
  void filesMustExistInsideTheBundle() throws Exception {
    assertRejected("image", r -> ((ObjectNode) r.get("backbone")).put("file", "nope.pt"),
        "backbone.file", "'nope.pt' does not exist");
    assertRejected("image", r -> ((ObjectNode) r.get("backbone")).put("file", "../image/backbone.pt"),
        "backbone.file", "may not leave the bundle folder");
    assertRejected("image", r -> layer(r, 0, 0).put("weight", "/etc/passwd"),
        "heads[0] (category).layers[0].weight", "absolute");
    assertRejected("text", r -> ((ObjectNode) r.get("input").get("text")).put("tokenizer", "missing.json"),
        "input.text.tokenizer");
  }

  @Test
  void inputSpec() throws Exception {
    assertRejected("image", r -> ((ObjectNode) r.get("input")).put("kind", "audio"), "input.kind", "'audio' is unknown");
    assertRejected("image", r -> ((ObjectNode) r.get("input")).put("kind", "text"), "input.text", "is required");
    assertRejected("image", r -> ((ObjectNode) r.get("input").get("image")).put("resize", "bicubic"), "input.image.resize");
    assertRejected("image", r -> ((ArrayNode) r.get("input").get("image").get("std")).remove(0), "input.image.std", "has 2 values");
    assertRejected("text", r -> ((ObjectNode) r.get("input").get("text")).putArray("buckets").add(8).add(12),
        "input.text.buckets", "last bucket must equal max_tokens (16)");
  }

  @Test
  void backboneSpec() throws Exception {
    assertRejected("image", r -> ((ObjectNode) r.get("backbone")).putObject("split").put("trunk", "a").put("top", "b"),
        "backbone", "exactly one of 'file' and 'split'");
    assertRejected("image", r -> ((ObjectNode) r.get("backbone")).put("sha256", "00ff"),
        "backbone.sha256", "does not match backbone.pt");
    assertRejected("image", r -> ((ObjectNode) r.get("backbone")).put("output", "tokens"), "backbone.output");
    assertRejected("text", r -> r.put("flip_features", true), "flip_features", "only allowed for image");
    assertRejected("text", r -> r.put("flip_tta", true), "flip_tta", "only allowed for image");
    assertRejected("flip", r -> r.put("flip_tta", true), "bundle.json", "flip_tta",
        "cannot be true together with flip_features");
  }

  @Test
  void headsKindsLabelsNames() throws Exception {
    assertRejected("image", r -> head(r, 0).put("kind", "regression"),
        "heads[0] (category).kind", "'regression' is unknown", "multiclass, binary");
    assertRejected("image", r -> ((ArrayNode) head(r, 0).get("labels")).add("extra"),
        "heads[0] (category).layers", "3 outputs", "4 labels needs 4");
    assertRejected("image", r -> ((ArrayNode) head(r, 1).get("labels")).add("third"),
        "heads[1] (is-bright).labels", "exactly 2 labels");
    assertRejected("image", r -> head(r, 1).put("name", "category"), "heads[1]", "more than one head");
    assertRejected("image", r -> head(r, 1).put("name", "Bad Name"), "heads[1].name", "must match");
    assertRejected("image", r -> r.putArray("heads"), "heads", "at least one head");
    assertRejected("image", r -> layer(r, 1, 0).put("activation", "swish"), "layers[0].activation", "'swish'");
    assertRejected("image", r -> head(r, 0).put("top", "backbone.pt"), "heads[0] (category).top", "split backbone");
  }

  @Test
  void arrayShapesAndDtypes() throws Exception {
    Path dir = FixtureBundles.copyTo("image", tmp);
    Npy.write(dir.resolve("heads/category/0.weight.npy"), new int[] {3, 7}, new float[21]);
    assertThatThrownBy(() -> BundleReader.read(dir))
        .hasMessageContaining("heads[0] (category).layers[0].weight")
        .hasMessageContaining("[3, 7], expected [out, 8]");
    Npy.write(dir.resolve("heads/category/0.weight.npy"), new int[] {3, 8}, new float[24]);
    Npy.write(dir.resolve("heads/category/0.bias.npy"), new int[] {4}, new float[4]);
    assertThatThrownBy(() -> BundleReader.read(dir)).hasMessageContaining("layers[0].bias").hasMessageContaining("expected [3]");
    byte[] f8 = Files.readAllBytes(dir.resolve("heads/category/0.weight.npy"));
    String s = new String(f8, java.nio.charset.StandardCharsets.ISO_8859_1).replace("'<f4'", "'<f8'");
    Files.write(dir.resolve("heads/category/0.bias.npy"), s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    assertThatThrownBy(() -> BundleReader.read(dir)).hasMessageContaining("0.bias.npy").hasMessageContaining("'<f8'");
  }

  @Test
  void unknownPolicy() throws Exception {
    assertRejected("image", r -> ((ObjectNode) r.get("unknown")).put("head", "ghost"), "unknown.head", "'ghost'");
    assertRejected("image", r -> ((ObjectNode) r.get("unknown")).remove("threshold"), "unknown.threshold", "required");
    assertRejected("image", r -> ((ObjectNode) r.get("unknown")).put("method", "vibes"), "unknown.method", "'vibes'");
    assertRejected("image", r -> ((ObjectNode) r.get("unknown")).put("method", "gate").put("gate_head", "category"),
        "unknown.gate_head", "must be a binary head");
    assertRejected("image", r -> ((ObjectNode) r.get("unknown")).put("method", "gate"), "unknown.gate_head", "required");
    assertRejected("image", r -> ((ObjectNode) r.get("unknown")).put("method", "mahalanobis"), "unknown.means", "required");
    assertRejected("flip", r -> ((ObjectNode) r.get("unknown").get("scores").get(2)).put("k", 99),
        "unknown.scores[2].k", "[1, 7]");
    assertRejected("flip", r -> ((ObjectNode) r.get("unknown").get("scores").get(1)).put("means", "heads/facing/0.bias.npy"),
        "unknown.scores[1].means", "expected [K, 16]");
    assertRejected("flip", r -> ((ObjectNode) r.get("unknown").get("scores").get(0)).remove("std"),
        "unknown.scores[0].std");
    Path none = bundle("image", r -> r.remove("unknown"));
    assertThat(BundleReader.read(none).manifest().unknown().method()).isEqualTo("none");
  }

  @Test
  void backboneWidthMismatchIsALoadError() throws Exception {
    Path dir = FixtureBundles.copyTo("image", tmp);
    ObjectNode root = (ObjectNode) JSON.readTree(dir.resolve("bundle.json").toFile());
    ((ObjectNode) root.get("backbone")).put("feature_size", 5);
    JSON.writeValue(dir.resolve("bundle.json").toFile(), root);
    for (String h : new String[] {"category", "is-bright", "texture"}) {
      Npy.Array w = Npy.read(dir.resolve("heads/" + h + "/0.weight.npy"));
      Npy.write(dir.resolve("heads/" + h + "/0.weight.npy"), new int[] {w.dim(0), 5}, new float[w.dim(0) * 5]);
    }
    assertThat(BundleReader.read(dir).headInputSize()).isEqualTo(5); // consistent on paper
    assertThatThrownBy(() -> MultiHeadGraph.load(dir, GraphOptions.defaults()))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("backbone.feature_size")
        .hasMessageContaining("outputs 8 features")
        .hasMessageContaining("says 5");
  }
}
