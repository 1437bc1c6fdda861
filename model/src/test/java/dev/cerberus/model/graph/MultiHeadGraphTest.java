package dev.cerberus.model.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cerberus.model.GraphOptions;
import dev.cerberus.model.HeadPrediction;
import dev.cerberus.model.ItemPrediction;
import dev.cerberus.model.ServableModel;
import dev.cerberus.model.heads.HeadMath;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.model.input.InputRejectedException;
import dev.cerberus.model.input.ModelInput;
import dev.cerberus.model.input.PreparedInput;
import dev.cerberus.model.testing.Expected;
import dev.cerberus.model.testing.FixtureBundles;
import dev.cerberus.model.testing.TestImages;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The served graph against the outputs torch recorded for the fixture bundles. */
class MultiHeadGraphTest {

  private static final float TOL = 1e-4f;
  private static final InputLimits LIMITS = InputLimits.defaults();

  @TempDir Path tmp;

  private MultiHeadGraph load(String name) throws Exception {
    return MultiHeadGraph.load(FixtureBundles.copyTo(name, tmp), new GraphOptions("cpu", new int[] {1, 2}));
  }

  private List<PreparedInput> images(ServableModel model) throws InputRejectedException {
    JsonNode inputs = Expected.root().get("image_inputs");
    List<PreparedInput> out = new ArrayList<>();
    for (int i = 0; i < inputs.size(); i++) {
      byte[] png =
          TestImages.png(TestImages.IMAGE_INPUTS[i], inputs.get(i).get("height").asInt(), inputs.get(i).get("width").asInt());
      out.add(model.prepare(new ModelInput.Image(png), LIMITS));
    }
    return out;
  }

  private static void assertMatches(List<ItemPrediction> got, JsonNode exp, ServableModel model) {
    assertThat(got).hasSize(exp.get("ood_scores").size());
    float threshold = (float) exp.get("threshold").asDouble();
    for (int i = 0; i < got.size(); i++) {
      ItemPrediction p = got.get(i);
      for (HeadPrediction h : p.heads()) {
        float[] want = Expected.floats(exp.get("heads").get(h.head()).get(i));
        assertThat(h.probabilities()).as("%s item %d", h.head(), i).containsExactly(want, within(TOL));
        assertThat(h.label()).isEqualTo(h.labels().get(HeadMath.argmax(want)));
      }
      float score = (float) exp.get("ood_scores").get(i).asDouble();
      assertThat(p.oodScore()).as("ood score item %d", i).isCloseTo(score, within(TOL * Math.max(1, Math.abs(score))));
      assertThat(p.unknown()).isEqualTo(score > threshold);
      assertThat(p.oodMethod()).isEqualTo(model.manifest().unknown().method());
      assertThat(p.threshold()).isEqualTo(threshold);
      int decisionHead = model.manifest().headIndex(model.manifest().unknown().head() == null
          ? model.manifest().heads().get(0).name() : model.manifest().unknown().head());
      assertThat(p.decision())
          .isEqualTo(p.unknown() ? ItemPrediction.UNKNOWN : p.heads().get(decisionHead).label());
    }
  }

  @Test
  void imageBundleMatchesTorch() throws Exception {
    try (MultiHeadGraph g = load(FixtureBundles.IMAGE)) {
      JsonNode exp = Expected.root().get("image");
      List<PreparedInput> batch = images(g);
      assertMatches(g.forward(batch), exp, g);
      float[][] f = g.features(batch);
      for (int i = 0; i < f.length; i++) {
        assertThat(f[i]).containsExactly(Expected.floats(exp.get("features").get(i)), within(TOL));
      }
      assertThat(g.featureSize()).isEqualTo(8);
    }
  }

  @Test
  void batchOfOneEqualsSameItemInABatch() throws Exception {
    try (MultiHeadGraph g = load(FixtureBundles.IMAGE)) {
      List<PreparedInput> batch = images(g);
      List<ItemPrediction> all = g.forward(batch);
      ItemPrediction single = g.forward(List.of(batch.get(2))).get(0);
      assertThat(single.heads().get(1).probabilities())
          .containsExactly(all.get(2).heads().get(1).probabilities(), within(1e-6f));
      assertThat(g.forward(List.of())).isEmpty();
    }
  }

  @Test
  void flipBundleWithFusionMatchesTorch() throws Exception {
    try (MultiHeadGraph g = load(FixtureBundles.FLIP)) {
      JsonNode exp = Expected.root().get("flip");
      List<PreparedInput> batch = images(g);
      assertThat(g.featureSize()).isEqualTo(16);
      float[][] f = g.features(batch);
      for (int i = 0; i < f.length; i++) {
        assertThat(f[i]).containsExactly(Expected.floats(exp.get("features").get(i)), within(TOL));
      }
      assertMatches(g.forward(batch), exp, g);
    }
  }

  @Test
  void splitBundleRunsOwnTopForItsHead() throws Exception {
    try (MultiHeadGraph g = load(FixtureBundles.SPLIT)) {
      JsonNode exp = Expected.root().get("split");
      List<PreparedInput> batch = images(g);
      assertMatches(g.forward(batch), exp, g);
      // the tuned head really reads different features than the shared ones
      assertThat(Expected.floats(exp.get("own_features").get(0)))
          .isNotEqualTo(Expected.floats(exp.get("features").get(0)));
    }
  }

  @Test
  void textBundleTokenisesPadsAndPoolsLikeTorch() throws Exception {
    try (MultiHeadGraph g = load(FixtureBundles.TEXT)) {
      JsonNode exp = Expected.root().get("text");
      List<PreparedInput> batch = new ArrayList<>();
      for (int i = 0; i < exp.get("texts").size(); i++) {
        PreparedInput p = g.prepare(new ModelInput.Text(exp.get("texts").get(i).asText()), LIMITS);
        assertThat(((PreparedInput.Tokens) p).ids())
            .as("token ids of text %d", i)
            .containsExactly(Expected.longs(exp.get("token_ids").get(i)));
        batch.add(p);
      }
      assertMatches(g.forward(batch), exp, g);
      // a short item alone lands in the smallest bucket; padding must not change its answer
      ItemPrediction alone = g.forward(List.of(batch.get(1))).get(0);
      assertThat(alone.heads().get(0).probabilities())
          .containsExactly(Expected.floats(exp.get("heads").get("topic").get(1)), within(TOL));
    }
  }

  @Test
  void textInputsAreRejectedWithReasons() throws Exception {
    try (MultiHeadGraph g = load(FixtureBundles.TEXT)) {
      assertThatThrownBy(() -> g.prepare(new ModelInput.Text(""), LIMITS))
          .isInstanceOf(InputRejectedException.class).hasMessageContaining("empty");
      assertThatThrownBy(() -> g.prepare(new ModelInput.Text("  \n"), LIMITS))
          .hasMessageContaining("empty");
      InputLimits small = new InputLimits(1000, 1000, 10, 10);
      assertThatThrownBy(() -> g.prepare(new ModelInput.Text("the cat sat on the mat"), small))
          .hasMessageContaining("22 UTF-8 bytes").hasMessageContaining("max-text-bytes");
      assertThatThrownBy(() -> g.prepare(new ModelInput.Image(new byte[] {1}), LIMITS))
          .hasMessageContaining("takes text, got image");
      // long texts are truncated to max_tokens, never rejected
      long[] ids = ((PreparedInput.Tokens) g.prepare(new ModelInput.Text("cat ".repeat(100)), LIMITS)).ids();
      assertThat(ids).hasSize(16);
      assertThat(ids[15]).isEqualTo(3L); // [SEP]
    }
  }

  @Test
  void prepareIsSafeFromManyThreads() throws Exception {
    try (MultiHeadGraph g = load(FixtureBundles.TEXT)) {
      JsonNode exp = Expected.root().get("text");
      var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
      try {
        List<java.util.concurrent.Future<long[]>> futures = new ArrayList<>();
        for (int r = 0; r < 200; r++) {
          String text = exp.get("texts").get(r % 5).asText();
          futures.add(pool.submit(() -> ((PreparedInput.Tokens) g.prepare(new ModelInput.Text(text), LIMITS)).ids()));
        }
        for (int r = 0; r < futures.size(); r++) {
          assertThat(futures.get(r).get()).containsExactly(Expected.longs(exp.get("token_ids").get(r % 5)));
        }
      } finally {
        pool.shutdown();
      }
    }
  }

  @Test
  void forwardFromSeveralThreadsAtOnceEqualsOneThread() throws Exception {
    // the split bundle runs trunk, shared top and an own top: every module is shared by the threads
    try (MultiHeadGraph g = load(FixtureBundles.SPLIT)) {
      List<PreparedInput> all = images(g);
      List<List<PreparedInput>> batches = List.of(all, all.subList(0, 1), all.subList(1, all.size()));
      List<List<ItemPrediction>> serial = new ArrayList<>();
      for (List<PreparedInput> b : batches) serial.add(g.forward(b));
      int before = g.liveNativeArrays();
      var pool = java.util.concurrent.Executors.newFixedThreadPool(3);
      try {
        var start = new java.util.concurrent.CountDownLatch(1);
        List<java.util.concurrent.Future<Integer>> futures = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
          futures.add(pool.submit(() -> {
            start.await();
            int n = 0;
            for (int r = 0; r < 30; r++, n++) {
              int k = r % batches.size();
              List<ItemPrediction> got = g.forward(batches.get(k));
              for (int i = 0; i < got.size(); i++) {
                for (int h = 0; h < got.get(i).heads().size(); h++) {
                  assertThat(got.get(i).heads().get(h).probabilities())
                      .containsExactly(serial.get(k).get(i).heads().get(h).probabilities(), within(1e-5f));
                }
                assertThat(got.get(i).oodScore()).isCloseTo(serial.get(k).get(i).oodScore(), within(1e-4f));
              }
            }
            return n;
          }));
        }
        start.countDown();
        for (var f : futures) assertThat(f.get()).isEqualTo(30);
      } finally {
        pool.shutdown();
      }
      assertThat(g.liveNativeArrays()).isEqualTo(before);
    }
  }

  @Test
  void preparedInputOfAnotherKindIsAClearError() throws Exception {
    try (MultiHeadGraph g = load(FixtureBundles.IMAGE)) {
      assertThatThrownBy(() -> g.forward(List.of(new PreparedInput.Tokens(new long[] {2, 3}))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("use this model's prepare()");
    }
  }

  @Test
  void fusedHeadsEqualPerHeadComputation() throws Exception {
    try (MultiHeadGraph g = load(FixtureBundles.IMAGE)) {
      List<PreparedInput> batch = images(g);
      float[][] features = g.features(batch);
      List<ItemPrediction> served = g.forward(batch);
      for (int h = 0; h < g.manifest().heads().size(); h++) {
        boolean binary = g.manifest().heads().get(h).kind().equals("binary");
        for (int i = 0; i < features.length; i++) {
          float[] z = HeadMath.logits(g.bundle().headLayers().get(h), features[i]);
          float[] p = HeadMath.probabilities(binary, z, 0, z.length);
          assertThat(served.get(i).heads().get(h).probabilities()).containsExactly(p, within(1e-5f));
        }
      }
    }
  }

  @Test
  void nativeArraysOfABatchAreReleasedBeforeForwardReturns() throws Exception {
    try (MultiHeadGraph g = load(FixtureBundles.SPLIT)) {
      List<PreparedInput> batch = images(g);
      g.forward(batch);
      int before = g.liveNativeArrays();
      for (int i = 0; i < 5; i++) g.forward(batch);
      // what is observable: the arrays DJL tracks in the graph's manager tree (weights of the
      // fused heads, per-batch sub-managers) and in every loaded model's manager
      assertThat(g.liveNativeArrays()).isEqualTo(before);
      assertThat(g.openBatchManagers()).isZero();
      // the count is not blind: the fused head weights are in it, and an array left in an
      // open batch-like scope shows up
      assertThat(before).isGreaterThanOrEqualTo(4);
      try (ai.djl.ndarray.NDManager leak = g.manager().newSubManager()) {
        leak.create(new float[] {1f});
        assertThat(g.liveNativeArrays()).isGreaterThan(before);
      }
      assertThat(g.liveNativeArrays()).isEqualTo(before);
    }
  }

  @Test
  void aBackboneThatIsNotTorchScriptIsALoadErrorNamingTheFile() throws Exception {
    Path dir = FixtureBundles.copyTo(FixtureBundles.SPLIT, tmp);
    java.nio.file.Files.writeString(dir.resolve("heads/tuned/top.pt"), "not a zip archive");
    assertThatThrownBy(() -> MultiHeadGraph.load(dir, GraphOptions.defaults()))
        .isInstanceOf(dev.cerberus.model.bundle.BundleException.class)
        .hasMessageContaining("heads/tuned/top.pt")
        .hasMessageContaining("cannot load as TorchScript");
  }

  @Test
  void unknownDeviceIsALoadError() {
    assertThatThrownBy(
            () -> MultiHeadGraph.load(FixtureBundles.copyTo(FixtureBundles.IMAGE, tmp), new GraphOptions("tpu9", new int[0])))
        .hasMessageContaining("device 'tpu9'");
  }
}
