package dev.cerberus.trainer.stage;

import dev.cerberus.model.bundle.BundleManifest;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.trainer.TrainerException;
import dev.cerberus.trainer.config.TrainerConfig;
import dev.cerberus.trainer.data.DataException;
import dev.cerberus.trainer.data.Item;
import dev.cerberus.trainer.data.Sample;
import dev.cerberus.trainer.features.Backbone;
import dev.cerberus.trainer.features.ExtractorFeatureSource;
import dev.cerberus.trainer.features.FeatureCache;
import dev.cerberus.trainer.features.FeatureSource;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stage 3, {@link Datasets} -> {@link Features}: the backbone (the trunk of a split one) runs
 * once per input content through the on-disk {@link FeatureCache}; corrupt items are dropped
 * (or fail the run with {@code data.on_corrupt: fail}).
 */
public final class FeatureStage {

  private FeatureStage() {}

  public static Features extract(RunPlan plan, Datasets data, PrintStream log) throws IOException {
    TrainerConfig c = plan.config();
    String sha = FeatureCache.sha256(plan.backboneFile());
    Backbone.configureEngine(c.backbone().threads());
    if (plan.split() && "text".equals(plan.input().kind())) {
      return textSplit(data, sha, c, log);
    }
    try (FeatureSource source = openSource(plan)) {
      int width = c.backbone().featureSize() * c.flip().widthFactor();
      if (!plan.split() && source.featureSize() != width) {
        throw new TrainerException("backbone.feature_size: config says "
            + c.backbone().featureSize() + " but " + plan.backboneFile() + " outputs "
            + source.featureSize() / c.flip().widthFactor()
            + " features; heads are built for feature_size");
      }
      FeatureCache cache = new FeatureCache(plan.loaded().resolve(c.cacheDir()), sha,
          source.specKey(), c.backbone().batchSize(), System.err);
      Features f = extract(data, source, cache, sha, c, log);
      if (f.sets().get(SetRole.TRAIN).size() == 0) {
        throw new DataException("data.train: no usable items after extraction");
      }
      if (!c.outliers().isEmpty() && f.sets().get(SetRole.OUTLIERS_TRAIN).size() == 0) {
        throw new DataException("outliers: no usable items after extraction");
      }
      return f;
    }
  }

  /** Every set through the cache, in order; corrupt rows dropped with their samples. */
  static Features extract(Datasets data, FeatureSource source, FeatureCache cache, String sha,
      TrainerConfig c, PrintStream log) {
    Map<SetId, FeatureSet> sets = new LinkedHashMap<>();
    long extracted = 0;
    double seconds = 0;
    int hits = 0;
    int corrupt = 0;
    List<String> corruptFiles = new ArrayList<>();
    for (var e : data.sets().entrySet()) {
      List<Sample> list = e.getValue();
      List<Item> items = list.stream().map(Sample::item).toList();
      FeatureCache.Result r = cache.features(e.getKey().name(), items, source);
      if (r.corrupt() > 0 && "fail".equals(c.data().onCorrupt())) {
        throw new DataException(r.corruptOrigins().get(0) + ": not a decodable image "
            + "(data.on_corrupt is fail; set skip to count and skip corrupt files)");
      }
      sets.put(e.getKey(), kept(e.getKey(), list, r));
      extracted += r.extracted();
      seconds += r.extractSeconds();
      hits += r.cacheHits();
      corrupt += r.corrupt();
      corruptFiles.addAll(r.corruptOrigins());
    }
    Extraction x = new Extraction(sha, cache.dir().toString(), hits, extracted, seconds,
        c.backbone().batchSize(), corrupt, corruptFiles);
    log.printf("features: %d from cache, %d extracted in %.1fs (%.1f items/s), %d corrupt skipped%n",
        hits, extracted, seconds, x.itemsPerSecond(), corrupt);
    return new Features(new FeatureSets(sets), x);
  }

  /**
   * A text split's trunk outputs are token states ([T,F] per item), which the top stage keeps
   * in memory ({@code TextTrunkCache}) and runs the trunk for, once for all heads: here the
   * sets only carry their samples (rows of width 0), so the trunk is not run twice.
   */
  static Features textSplit(Datasets data, String sha, TrainerConfig c, PrintStream log) {
    Map<SetId, FeatureSet> sets = new LinkedHashMap<>();
    for (var e : data.sets().entrySet()) {
      List<Sample> list = e.getValue();
      sets.put(e.getKey(), new FeatureSet(e.getKey(), list, new float[list.size()][0], 0));
    }
    log.printf("features: text split backbone, the trunk runs in the top stage (token states "
        + "in memory)%n");
    Extraction x = new Extraction(sha, "memory (text trunk cache)", 0, 0, 0,
        c.backbone().batchSize(), 0, List.of());
    return new Features(new FeatureSets(sets), x);
  }

  private static FeatureSet kept(SetId id, List<Sample> list, FeatureCache.Result r) {
    List<Sample> kept = new ArrayList<>();
    List<float[]> rows = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      if (r.rows()[i] != null) {
        kept.add(list.get(i));
        rows.add(r.rows()[i]);
      }
    }
    return new FeatureSet(id, kept, rows.toArray(new float[0][]), r.corrupt());
  }

  private static FeatureSource openSource(RunPlan plan) throws IOException {
    TrainerConfig c = plan.config();
    Path file = plan.backboneFile();
    Path dir = file.getParent();
    BundleManifest.InputSpec in = plan.input();
    if ("text".equals(in.kind())) {
      // the extractor resolves the tokenizer against the backbone's folder, as a bundle does
      String rel = dir.relativize(plan.loaded().resolve(c.input().text().tokenizer())).toString();
      var t = in.text();
      in = new BundleManifest.InputSpec("text", null,
          new BundleManifest.TextSpec(rel, t.maxTokens(), t.pooling(), t.buckets()), null);
    }
    return new ExtractorFeatureSource(dir, in, file.getFileName().toString(),
        c.backbone().output(), c.backbone().device(), c.backbone().batchSize(),
        InputLimits.defaults(), plan.split(), c.flip());
  }
}
