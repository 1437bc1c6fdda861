package dev.cerberus.trainer.features;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cerberus.trainer.data.Item;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cache on its own, with a deterministic stand-in for the backbone that counts how often it
 * runs (the real backbone goes through the cache in TrainingRunTest).
 */
class FeatureCacheTest {

  @TempDir Path dir;

  static final class CountingSource implements FeatureSource {
    int items;

    @Override
    public String specKey() {
      return "test";
    }

    @Override
    public int featureSize() {
      return 3;
    }

    @Override
    public float[][] extract(List<Item> batch) {
      items += batch.size();
      float[][] out = new float[batch.size()][];
      for (int i = 0; i < batch.size(); i++) {
        String t = ((Item.Text) batch.get(i)).text();
        out[i] = t.equals("corrupt") ? null : new float[] {t.length(), t.hashCode(), 1};
      }
      return out;
    }

    @Override
    public void close() {}
  }

  private static List<Item> texts(String... t) {
    List<Item> out = new ArrayList<>();
    for (String s : t) {
      out.add(new Item.Text(s, "test"));
    }
    return out;
  }

  @Test
  void secondRunReadsEverythingFromDiskAndSameContentIsOneEntry() {
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
    FeatureCache cache = new FeatureCache(dir, "a".repeat(64), "spec", 2, quiet);
    CountingSource src = new CountingSource();
    var first = cache.features("x", texts("alpha", "beta", "alpha", "corrupt"), src);
    assertThat(first.extracted()).isEqualTo(3);
    assertThat(first.corrupt()).isEqualTo(1);
    assertThat(first.rows()[3]).isNull();
    assertThat(first.rows()[0]).containsExactly(5f, "alpha".hashCode(), 1f);
    int ranBefore = src.items;

    FeatureCache again = new FeatureCache(dir, "a".repeat(64), "spec", 2, quiet);
    var second = again.features("x", texts("beta", "alpha"), src);
    assertThat(src.items).isEqualTo(ranBefore); // no backbone work at all
    assertThat(second.cacheHits()).isEqualTo(2);
    assertThat(second.rows()[1]).containsExactly(first.rows()[0]);
  }

  @Test
  void anotherBackboneOrPreprocessingDoesNotReuse() throws IOException {
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
    CountingSource src = new CountingSource();
    new FeatureCache(dir, "a".repeat(64), "spec", 8, quiet).features("x", texts("alpha"), src);
    new FeatureCache(dir, "b".repeat(64), "spec", 8, quiet).features("x", texts("alpha"), src);
    new FeatureCache(dir, "a".repeat(64), "other", 8, quiet).features("x", texts("alpha"), src);
    assertThat(src.items).isEqualTo(3);
    try (var s = Files.list(dir)) {
      assertThat(s.count()).isEqualTo(3);
    }
  }

  @Test
  void contentHashDependsOnBytesNotOnPath() throws IOException {
    Files.writeString(dir.resolve("a.png"), "same");
    Files.writeString(dir.resolve("b.png"), "same");
    assertThat(FeatureCache.contentHash(new Item.ImageFile(dir.resolve("a.png"), "a")))
        .isEqualTo(FeatureCache.contentHash(new Item.ImageFile(dir.resolve("b.png"), "b")))
        .isNotEqualTo(FeatureCache.contentHash(new Item.Text("same", "t")));
  }
}
