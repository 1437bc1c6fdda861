package dev.cerberus.model.graph;

import static org.assertj.core.api.Assertions.assertThat;
import dev.cerberus.model.bundle.FlipMode;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cerberus.model.GraphOptions;
import dev.cerberus.model.bundle.BundleManifest.BackboneSpec;
import dev.cerberus.model.bundle.BundleManifest.InputSpec;
import dev.cerberus.model.bundle.BundleManifest.SplitSpec;
import dev.cerberus.model.bundle.BundleManifest.TextSpec;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.model.input.ModelInput;
import dev.cerberus.model.input.PreparedInput;
import dev.cerberus.model.testing.Expected;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The MiniLM files that tools/backbone/build-minilm.sh converts from the Maven Central ONNX
 * export, in DJL's real PyTorch engine: top(trunk(x), mask) equals backbone(x) at every bucket
 * length, padded and unpadded, through raw predictors and through this module's text path; and
 * the outputs match reference.json. Skipped when build/minilm has not been built.
 */
class ConvertedMiniLmTest {

  private static final Path REPO = Path.of(System.getProperty("cerberus.repo.root", ".."));
  /** -Dcerberus.minilm.dir=... checks another conversion (e.g. one built with --out). */
  private static final Path DIR = Path.of(System.getProperty("cerberus.minilm.dir", REPO.resolve("build/minilm").toString()));
  private static final int[] BUCKETS = {16, 32, 64, 128};
  private static final float SPLIT_TOL = 1e-5f;
  private static final int HIDDEN = 384;

  private static final String OPTIMIZER = "ai.djl.pytorch.graph_optimizer";

  private static Model backbone, trunk, top;
  private static NDManager manager;
  private static String optimizerBefore;
  private static boolean optimizerSet;

  /** Per test, not per class: surefire then reports each skip with this message. */
  @BeforeEach
  void needsBuiltFiles() throws Exception {
    assumeTrue(Files.exists(DIR.resolve("manifest.json")),
        "no converted MiniLM at " + DIR + ": run tools/backbone/build-minilm.sh to include this test");
    if (backbone == null) load();
  }

  private static void load() throws Exception {
    // as bin/cerberus serves: with the profiling optimizer on, each of the 8+ shapes here is
    // profiled and recompiled first, which made this class ~3x slower on a loaded CI box
    optimizerBefore = System.setProperty(OPTIMIZER, "false");
    optimizerSet = true;
    backbone = open("backbone.pt");
    trunk = open("trunk.pt");
    top = open("top.pt");
    manager = NDManager.newBaseManager("PyTorch");
  }

  @AfterAll
  static void close() {
    if (optimizerSet && optimizerBefore == null) System.clearProperty(OPTIMIZER);
    else if (optimizerSet) System.setProperty(OPTIMIZER, optimizerBefore);
    for (AutoCloseable c : new AutoCloseable[] {manager, backbone, trunk, top}) {
      try {
        if (c != null) c.close();
      } catch (Exception ignored) {
        // closing native handles at the end of the class; nothing left to check
      }
    }
  }

  private static Model open(String file) throws Exception {
    Model m = Model.newInstance(file, "PyTorch");
    m.load(DIR, file);
    return m;
  }

  private static NDList run(Model m, NDList in) throws Exception {
    try (Predictor<NDList, NDList> p = m.newPredictor(new NoopTranslator())) {
      return p.predict(in);
    }
  }

  /** B=4 seeded random ids; padded rows are cut at random lengths (row 0 stays full). */
  private static NDList batch(NDManager nd, Random rnd, int t, boolean padded) {
    int b = 4;
    long[] ids = new long[b * t], mask = new long[b * t];
    for (int r = 0; r < b; r++) {
      int n = padded && r > 0 ? 3 + rnd.nextInt(t - 3) : t;
      for (int i = 0; i < n; i++) {
        ids[r * t + i] = i == 0 ? 101 : i == n - 1 ? 102 : 1000 + rnd.nextInt(29_000);
        mask[r * t + i] = 1;
      }
    }
    Shape s = new Shape(b, t);
    return new NDList(nd.create(ids, s), nd.create(mask, s), nd.zeros(s, ai.djl.ndarray.types.DataType.INT64));
  }

  @Test
  void topOfTrunkEqualsBackboneAtEveryBucketPaddedAndUnpadded() throws Exception {
    Random rnd = new Random(20261207);
    for (int t : BUCKETS) {
      for (boolean padded : new boolean[] {false, true}) {
        try (NDManager nd = manager.newSubManager()) {
          NDList in = batch(nd, rnd, t, padded);
          NDArray whole = run(backbone, in).head();
          NDArray hidden = run(trunk, in).head();
          NDArray split = run(top, new NDList(hidden, in.get(1))).head();
          assertThat(split.getShape()).isEqualTo(new Shape(4, t, HIDDEN));
          float diff = whole.sub(split).abs().max().getFloat();
          assertThat(diff).as("T=%d padded=%s", t, padded).isLessThanOrEqualTo(SPLIT_TOL);
        }
      }
    }
  }

  /** Texts of about n tokens each, so that a batch lands in the bucket that fits n. */
  private static List<ModelInput> textsNear(int n) {
    String[] words = {"river", "the", "small", "quick", "bridge", "music", "of", "stone", "green", "light"};
    List<ModelInput> out = new ArrayList<>();
    for (int k = 0; k < 3; k++) {
      StringBuilder s = new StringBuilder();
      for (int i = 0; i < n - 2 - 4 * k; i++) s.append(words[(i * 7 + k) % words.length]).append(' ');
      out.add(new ModelInput.Text(s.toString().trim()));
    }
    return out;
  }

  @Test
  void splitBundlePathEqualsWholeAndBatchEqualsAloneAtEveryBucket() throws Exception {
    TextSpec text = new TextSpec("tokenizer.json", 128, "mean", BUCKETS);
    InputSpec in = new InputSpec("text", null, text, null);
    BackboneSpec whole = new BackboneSpec("backbone.pt", null, "tokens", HIDDEN, null);
    BackboneSpec split = new BackboneSpec(null, new SplitSpec("trunk.pt", "top.pt"), "tokens", HIDDEN, null);
    GraphOptions o = GraphOptions.defaults();
    try (FeatureExtractor w = FeatureExtractor.open(DIR, in, whole, FlipMode.NONE, o, 8);
        FeatureExtractor s = FeatureExtractor.open(DIR, in, split, FlipMode.NONE, o, 8);
        FeatureExtractor alone = FeatureExtractor.open(DIR, in, whole, FlipMode.NONE, o, 1)) {
      for (int bucket : BUCKETS) {
        List<PreparedInput> items = new ArrayList<>();
        for (ModelInput t : textsNear(bucket)) items.add(w.prepare(t, InputLimits.defaults()));
        int longest = items.stream().mapToInt(p -> ((PreparedInput.Tokens) p).ids().length).max().orElseThrow();
        assertThat(longest).as("texts for bucket %d", bucket).isLessThanOrEqualTo(bucket);
        float[][] a = w.extract(items), b = s.extract(items), c = alone.extract(items);
        for (int i = 0; i < items.size(); i++) {
          assertThat(b[i]).as("split, bucket %d item %d", bucket, i).containsExactly(a[i], within(SPLIT_TOL));
          assertThat(c[i]).as("unpadded, bucket %d item %d", bucket, i).containsExactly(a[i], within(SPLIT_TOL));
        }
      }
    }
  }

  @Test
  void matchesReferenceJson() throws Exception {
    Path shared = REPO.resolve("../shared/models/minilm/reference.json").normalize();
    Path ref = Files.exists(shared) ? shared : REPO.resolve("tools/backbone/minilm/reference.json");
    assumeTrue(Files.exists(ref), "no reference.json");
    JsonNode r = new ObjectMapper().readTree(ref.toFile());
    int splitLayer = new ObjectMapper().readTree(DIR.resolve("manifest.json").toFile()).get("split_layer").asInt();
    ReferenceCheck check = new ReferenceCheck(r, ref.toString());
    TextSpec text = new TextSpec("tokenizer.json", 128, "mean", BUCKETS);
    try (FeatureExtractor fx = FeatureExtractor.open(DIR, new InputSpec("text", null, text, null),
        new BackboneSpec("backbone.pt", null, "tokens", HIDDEN, null), FlipMode.NONE, GraphOptions.defaults(), 8)) {
      List<PreparedInput> items = new ArrayList<>();
      for (JsonNode s : r.get("sentences")) {
        PreparedInput p = fx.prepare(new ModelInput.Text(s.get("text").asText()), InputLimits.defaults());
        assertThat(((PreparedInput.Tokens) p).ids()).as("token ids").containsExactly(Expected.longs(s.get("input_ids")));
        items.add(p);
        hiddenStatesMatch(s, ((PreparedInput.Tokens) p).ids(), splitLayer == 4, check);
      }
      check.pooledEmbeddingsAndCosines(fx.extract(items));
    }
  }

  /** forward()[0,0,:8], the hidden-state norm and (at the reference's split) the trunk's [0,0,:8]. */
  private static void hiddenStatesMatch(JsonNode s, long[] ids, boolean trunkToo, ReferenceCheck check) throws Exception {
    try (NDManager nd = manager.newSubManager()) {
      Shape shape = new Shape(1, ids.length);
      long[] ones = new long[ids.length];
      Arrays.fill(ones, 1);
      NDList in = new NDList(nd.create(ids, shape), nd.create(ones, shape), nd.zeros(shape, ai.djl.ndarray.types.DataType.INT64));
      float[] h = run(backbone, in).head().toFloatArray();
      check.values(Arrays.copyOf(h, 8), s.get("last_hidden_token0_first8"), "forward[0,0,:8]");
      check.relative(ReferenceCheck.norm(h), s.get("last_hidden_l2norm").asDouble(), "hidden-state norm");
      if (trunkToo) check.values(Arrays.copyOf(run(trunk, in).head().toFloatArray(), 8), s.get("trunk_token0_first8"), "trunk[0,0,:8]");
    }
  }
}
