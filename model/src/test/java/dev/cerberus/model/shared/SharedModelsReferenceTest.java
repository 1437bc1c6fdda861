package dev.cerberus.model.shared;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cerberus.model.GraphOptions;
import dev.cerberus.model.ItemPrediction;
import dev.cerberus.model.ServableModel;
import dev.cerberus.model.bundle.BundleManifest;
import dev.cerberus.model.bundle.BundleManifest.InputSpec;
import dev.cerberus.model.bundle.BundleManifest.TensorSpec;
import dev.cerberus.model.bundle.BundleManifest.TextSpec;
import dev.cerberus.model.bundle.BundleWriter;
import dev.cerberus.model.graph.FeatureExtractor;
import dev.cerberus.model.heads.Activation;
import dev.cerberus.model.heads.DenseLayer;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.model.input.ModelInput;
import dev.cerberus.model.input.PreparedInput;
import dev.cerberus.model.input.TextPreprocessor;
import dev.cerberus.model.testing.Expected;
import dev.cerberus.model.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real backbones of ../shared/models against their reference.json, through this module's
 * code paths (tensor batching, text tokenisation, bucket padding, mean pooling, bundle load).
 * Run with {@code ./mvnw -o -pl model test -Pshared-models}.
 */
@Tag("shared-models")
class SharedModelsReferenceTest {

  private static final Path ROOT =
      Path.of(System.getProperty("cerberus.repo.root", ".")).resolve("../shared/models").normalize();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  @BeforeAll
  static void sharedModelsPresent() {
    assumeTrue(Files.isDirectory(ROOT.resolve("mobilenet_v2")), "no shared models at " + ROOT);
  }

  private interface K {
    int k(int n, int c, int y, int x);
  }

  private static K formula(String name) {
    return switch (name) {
      case "ramp64" -> (n, c, y, x) -> ((c * 64 + y) * 64 + x) % 255;
      case "ramp224" -> (n, c, y, x) -> ((c * 224 + y) * 224 + x) % 255;
      case "rect120x160" -> (n, c, y, x) -> (x * x + y * y + 40 * c) % 256;
      case "batch2_96" -> (n, c, y, x) -> (50 * n + 80 * c + 3 * x + 7 * y) % 256;
      case "gray_checker128" -> (n, c, y, x) -> ((x / 16 + y / 16) % 2 == 0) ? 200 : 40;
      default -> throw new IllegalArgumentException(name);
    };
  }

  @Test
  void mobileNetBackboneAndTrunkMatchReference() throws Exception {
    JsonNode ref = JSON.readTree(ROOT.resolve("mobilenet_v2/reference.json").toFile());
    for (JsonNode c : ref.get("cases")) {
      JsonNode shape = c.get("input_shape");
      int b = shape.get(0).asInt(), h = shape.get(2).asInt(), w = shape.get(3).asInt();
      K k = formula(c.get("name").asText());
      List<PreparedInput> items = new ArrayList<>();
      for (int n = 0; n < b; n++) {
        float[] v = new float[3 * h * w];
        for (int ch = 0; ch < 3; ch++)
          for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) v[(ch * h + y) * w + x] = k.k(n, ch, y, x) / 255f;
        items.add(new PreparedInput.Values(v));
      }
      InputSpec in = new InputSpec("tensor", null, null, new TensorSpec(new long[] {3, h, w}));
      try (FeatureExtractor bb = FeatureExtractor.forFile(ROOT.resolve("mobilenet_v2/backbone.pt"), in, "pooled", GraphOptions.defaults(), 2);
          FeatureExtractor trunk = FeatureExtractor.forFile(ROOT.resolve("mobilenet_v2/trunk.pt"), in, "pooled", GraphOptions.defaults(), 2)) {
        float[][] f = bb.extract(items);
        float[][] t = trunk.extract(items);
        for (int n = 0; n < b; n++) {
          String at = c.get("name").asText() + " item " + n;
          JsonNode e = c.get("backbone").get("items").get(n);
          assertThat(f[n]).hasSize(1280);
          assertThat(java.util.Arrays.copyOf(f[n], 8)).as(at).containsExactly(Expected.floats(e.get("first8")), within(1e-4f));
          assertThat(norm(f[n])).as(at).isCloseTo(e.get("l2norm").asDouble(), within(1e-5 * e.get("l2norm").asDouble()));
          assertThat(argmax(f[n])).as(at).isEqualTo(e.get("argmax").asInt());
          JsonNode above = e.get("first8_above_0.01");
          for (int i = 0; i < above.get("indices").size(); i++) {
            assertThat(f[n][above.get("indices").get(i).asInt()]).isCloseTo((float) above.get("values").get(i).asDouble(), within(1e-4f));
          }
          JsonNode te = c.get("trunk").get("items").get(n);
          assertThat(java.util.Arrays.copyOf(t[n], 8)).as(at).containsExactly(Expected.floats(te.get("first8_flat")), within(1e-4f));
          assertThat(norm(t[n])).isCloseTo(te.get("l2norm").asDouble(), within(1e-5 * te.get("l2norm").asDouble()));
        }
      }
    }
  }

  @Test
  void mobileNetServesAsABundleWithShaCheck() throws Exception {
    BundleWriter w = BundleWriter.create(tmp.resolve("mnv2"));
    w.copyFile(ROOT.resolve("mobilenet_v2/backbone.pt"), "backbone.pt");
    float[] weight = new float[3 * 1280];
    for (int i = 0; i < weight.length; i++) weight[i] = (float) Math.sin(i);
    var layers = w.writeHead("kind", List.of(new DenseLayer(3, 1280, weight, new float[3], Activation.NONE)));
    BundleManifest m = new BundleManifest(1, "mnv2", "1", null,
        new InputSpec("image", new BundleManifest.ImageSpec(64, 64, null, null, null, null, null), null, null),
        new BundleManifest.BackboneSpec("backbone.pt", null, "pooled", 1280, "89bee952775d9eb3fdc84e87bc90b4889842730d72c2ec30b2477263dd0e60eb"),
        false, null, List.of(new BundleManifest.HeadSpec("kind", "multiclass", List.of("a", "b", "c"), layers, null)),
        new BundleManifest.UnknownPolicy("max_softmax", null, 0.5, null, null, null, null, null, null, null, null, null, null, null),
        Map.of(), Map.of());
    w.finish(m);
    try (ServableModel model = ServableModel.load(w.dir(), new GraphOptions("cpu", new int[] {1}))) {
      PreparedInput p = model.prepare(new ModelInput.Image(TestImages.png(TestImages.IMAGE_INPUTS[0], 80, 100)), InputLimits.defaults());
      ItemPrediction r = model.forward(List.of(p)).get(0);
      assertThat(r.heads().get(0).probabilities()).hasSize(3);
      assertThat(model.featureSize()).isEqualTo(1280);
    }
  }

  @Test
  void miniLmTokensEmbeddingsAndCosinesMatchReference() throws Exception {
    JsonNode ref = JSON.readTree(ROOT.resolve("minilm/reference.json").toFile());
    TextSpec text = new TextSpec("tokenizer.json", 128, "mean", new int[] {16, 32, 128});
    InputSpec in = new InputSpec("text", null, text, null);
    TextPreprocessor tok = TextPreprocessor.open(text, ROOT.resolve("minilm"));
    List<PreparedInput> items = new ArrayList<>();
    for (JsonNode s : ref.get("sentences")) {
      PreparedInput p = tok.prepare(new ModelInput.Text(s.get("text").asText()), InputLimits.defaults());
      assertThat(((PreparedInput.Tokens) p).ids()).containsExactly(Expected.longs(s.get("input_ids")));
      items.add(p);
    }
    tok.close();
    // one padded batch (bucket 16 or 32): padding must not change the embeddings
    try (FeatureExtractor fx = FeatureExtractor.forFile(ROOT.resolve("minilm/backbone.pt"), in, "tokens", GraphOptions.defaults(), 8)) {
      float[][] pooled = fx.extract(items);
      float[][] unit = new float[pooled.length][];
      for (int i = 0; i < pooled.length; i++) {
        JsonNode s = ref.get("sentences").get(i);
        double n = norm(pooled[i]);
        assertThat(n).isCloseTo(s.get("mean_pooled_l2norm_before_normalization").asDouble(), within(1e-5 * n));
        unit[i] = new float[pooled[i].length];
        for (int j = 0; j < unit[i].length; j++) unit[i][j] = (float) (pooled[i][j] / n);
        assertThat(java.util.Arrays.copyOf(unit[i], 8)).containsExactly(Expected.floats(s.get("embedding_first8")), within(1e-4f));
      }
      JsonNode cos = ref.get("cosine_matrix");
      for (int i = 0; i < unit.length; i++) {
        for (int j = 0; j < unit.length; j++) {
          double d = 0;
          for (int k = 0; k < unit[i].length; k++) d += (double) unit[i][k] * unit[j][k];
          assertThat(d).as("cos %d %d", i, j).isCloseTo(cos.get(i).get(j).asDouble(), within(1e-5));
        }
      }
    }
  }

  private static double norm(float[] v) {
    double s = 0;
    for (float x : v) s += (double) x * x;
    return Math.sqrt(s);
  }

  private static int argmax(float[] v) {
    int b = 0;
    for (int i = 1; i < v.length; i++) if (v[i] > v[b]) b = i;
    return b;
  }
}
