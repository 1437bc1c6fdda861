package dev.cerberus.trainer.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cerberus.model.testing.FixtureBundles;
import dev.cerberus.trainer.TrainerException;
import dev.cerberus.trainer.config.TrainerConfig.CachePrecision;
import dev.cerberus.trainer.config.TrainerConfig.FineTuneSpec;
import dev.cerberus.trainer.features.Backbone;
import dev.cerberus.trainer.features.TextTrunkCache;
import dev.cerberus.trainer.features.TokenStates;
import dev.cerberus.trainer.finetune.TunedTop.Epoch;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image path of the per-head API (the model module's 16x16 split fixture: trunk map
 * [8,8,8] -> top -> [8]), equality with the existing image fine-tuner's feature pass, the text
 * cache's size and bound, and the one-line errors for a top that does not fit the trunk.
 */
class PerHeadTopsImageAndErrorsTest {

  @TempDir static Path dir;
  static Path split;
  static long[] mapShape;
  static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

  @BeforeAll
  static void fixture() throws IOException {
    Backbone.configureEngine(1);
    split = FixtureBundles.copyTo(FixtureBundles.SPLIT, dir.resolve("fixture"));
    mapShape = TopFineTuner.trunkMapShape(split.resolve("trunk.pt"), new long[] {3, 16, 16}, "cpu");
  }

  /** Maps whose channel k carries class k's signal (classes 0..2), class = row % 3. */
  static TrunkOutputs.ImageMaps maps(int n, long seed) {
    Random r = new Random(seed);
    int size = (int) (mapShape[0] * mapShape[1] * mapShape[2]);
    int plane = (int) (mapShape[1] * mapShape[2]);
    float[][] rows = new float[n][size];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < size; j++) {
        rows[i][j] = (float) Math.abs(r.nextGaussian() * 0.5 + (j / plane == i % 3 ? 1.0 : 0));
      }
    }
    return new TrunkOutputs.ImageMaps(mapShape, rows);
  }

  static int[] classes(int n) {
    int[] y = new int[n];
    for (int i = 0; i < n; i++) y[i] = i % 3;
    return y;
  }

  @Test
  void imageOwnTopLowersTheLossAndMatchesTheExistingFineTunersFeatures() throws IOException {
    Map<String, TrunkOutputs> sets = new LinkedHashMap<>();
    sets.put("train", maps(60, 1));
    sets.put("val", maps(30, 2));
    sets.put("outliers-train", maps(20, 3));
    TopInputs in = new TopInputs(sets);
    HeadTopSpec h = new HeadTopSpec("colour", new HeadObjective.Multiclass(3), classes(60),
        classes(30), true, new FineTuneSpec(6, 1e-2, 5e-2, 1e-4, 16, 0.5));
    TunedTop t = PerHeadTops.fineTune(split.resolve("top.pt"), in, List.of(h),
        new TopSettings("cpu", 16, 5, dir.resolve("img"), QUIET)).get("colour");
    List<Epoch> e = t.history();
    assertThat(e.get(5).trainLoss()).isLessThan(e.get(0).trainLoss());
    assertThat(e.get(5).valAccuracy()).isGreaterThanOrEqualTo(0.9);
    // the tuned file through the existing image fine-tuner's feature pass: same features
    try (TopFineTuner old = TopFineTuner.load(t.topFile(), mapShape, "cpu")) {
      float[][] f = old.features(((TrunkOutputs.ImageMaps) sets.get("val")).rows(), 8);
      assertThat(PerHeadTopsTextTest.maxAbsDiff(f, t.features().get("val"))).isLessThan(1e-6);
    }
  }

  @Test
  void anImageTopOnTextStatesIsAOneLineErrorNamingFileAndField() throws IOException {
    var sets = TextSplitFixture.sets(3, 3, 2);
    TopInputs text = TextSplitFixture.inputs(sets, CachePrecision.FP16, QUIET);
    Path imageTop = split.resolve("top.pt");
    assertThatThrownBy(() -> PerHeadTops.frozenFeatures(imageTop, text,
        new TopSettings("cpu", 4, 1, dir, QUIET)))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith(imageTop.toString())
        .hasMessageContaining("backbone.split.top: its input does not fit the trunk's output "
            + "(hidden [1,")
        .hasMessageNotContaining("\n");
    Map<String, TrunkOutputs> img = Map.of("train", maps(3, 1));
    Path textTop = TextSplitFixture.dir().resolve("top.pt");
    assertThatThrownBy(() -> PerHeadTops.frozenFeatures(textTop, new TopInputs(img),
        new TopSettings("cpu", 4, 1, dir, QUIET)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("backbone.split.top: its input does not fit the trunk's output "
            + "(map [1,8,")
        .hasMessageNotContaining("\n");
  }

  @Test
  void textCacheSizeIsBucketTimesFeaturesTimesBytesAndItsBoundIsEnforcedBeforeTheTrunkRuns()
      throws IOException {
    Path d = TextSplitFixture.dir();
    var texts = Map.of("train", List.of("cat", "the big old fast happy sad dog and car on a bus"));
    try (TextTrunkCache c = TextTrunkCache.open(d.resolve("trunk.pt"), d,
        TextSplitFixture.textSpec(), "cpu", 4)) {
      var fp16 = c.extract(texts, 1 << 20, CachePrecision.FP16, QUIET);
      TokenStates s = fp16.sets().get("train");
      assertThat(s.bucket(0)).isEqualTo(8);
      assertThat(s.length(0)).isEqualTo(3); // [CLS] cat [SEP]
      assertThat(s.bucket(1)).isEqualTo(16);
      assertThat(fp16.bytes()).isEqualTo((8 + 16) * 32 * 2).isEqualTo(s.bytes());
      assertThat(TokenStates.itemBytes(64, 384, CachePrecision.FP16)).isEqualTo(49_152);
      var fp32 = c.extract(texts, 1 << 20, CachePrecision.FP32, QUIET);
      assertThat(fp32.bytes()).isEqualTo(2 * fp16.bytes());
      assertThatThrownBy(() -> c.extract(texts, 1000, CachePrecision.FP16, QUIET))
          .isInstanceOf(TrainerException.class)
          .hasMessageContaining("backbone.cache_max_bytes: the text trunk cache needs 1,536 bytes")
          .hasMessageContaining("limit is 1,000");
    }
  }

  @Test
  void textBatchesHoldOneBucketAndKeepEveryRowOnce() throws IOException {
    var sets = TextSplitFixture.sets(40, 3, 2);
    TrunkOutputs train = TextSplitFixture.inputs(sets, CachePrecision.FP16, QUIET).train();
    TokenStates s = ((TrunkOutputs.TextStates) train).states();
    List<int[]> batches = train.batches(TrunkOutputs.all(40), 6, new Random(1));
    int seen = 0;
    java.util.Set<Integer> buckets = new java.util.HashSet<>();
    for (int[] b : batches) {
      assertThat(b.length).isBetween(1, 6);
      for (int r : b) assertThat(s.bucket(r)).isEqualTo(s.bucket(b[0]));
      buckets.add(s.bucket(b[0]));
      seen += b.length;
    }
    assertThat(seen).isEqualTo(40);
    assertThat(buckets).containsExactlyInAnyOrder(8, 16);
  }
}
