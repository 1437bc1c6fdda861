package dev.cerberus.trainer.stage;

import dev.cerberus.model.bundle.BundleManifest.TextSpec;
import dev.cerberus.trainer.TrainerException;
import dev.cerberus.trainer.config.TrainerConfig;
import dev.cerberus.trainer.config.TrainerConfig.FineTuneObjective;
import dev.cerberus.trainer.config.TrainerConfig.HeadSpec;
import dev.cerberus.trainer.config.TrainerConfig.TopMode;
import dev.cerberus.trainer.features.TextTrunkCache;
import dev.cerberus.trainer.finetune.HeadTopSpec;
import dev.cerberus.trainer.finetune.PerHeadTops;
import dev.cerberus.trainer.finetune.TopFineTuner;
import dev.cerberus.trainer.finetune.TopInputs;
import dev.cerberus.trainer.finetune.TopSettings;
import dev.cerberus.trainer.finetune.TunedTop;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Stage 4, {@link Features} -> {@link Tops}: for a split backbone, every head's features from
 * the trunk outputs, which were computed once for all heads (image: the feature cache's trunk
 * maps; text: {@link TextTrunkCache}'s token states, bounded by {@code backbone.cache_max_bytes}).
 *
 * <p>Runs once for all heads without an own top: the shared top, frozen, or fine-tuned when
 * {@code backbone.fine_tune} is set: jointly for every such head (one linear layer each, masked
 * per-task losses summed; {@code objective: all_heads}, the default) or for the decision head's
 * task only ({@code objective: decision_head}). Runs once per head with
 * {@code top: own}: a fresh copy of the top fine-tuned on that head's labels
 * ({@link PerHeadTops#fineTune}); that head then reads its own features
 * ({@link HeadFeatures#withHead}) and the bundle ships its top. A whole backbone passes its rows
 * through. A top that cannot be used is one error line ({@link TrainerException}), and no
 * temporary top file is left behind.
 */
public final class TopStage {

  private TopStage() {}

  /** The shared top: every set's features, the file to serve, what fine-tuning did. */
  record Shared(FeatureSets sets, Path topFile, FineTuneReport report) {}

  public static Tops run(RunPlan plan, Features in, PrintStream log) throws IOException {
    if (!plan.split()) {
      return Tops.unsplit(HeadFeatures.shared(plan.headNames(), in.sets()));
    }
    Path work = Files.createTempDirectory("cerberus-tops");
    try {
      return split(plan, in.sets(), work, log);
    } catch (IOException | IllegalArgumentException e) {
      Tops.deleteTree(work);
      throw new TrainerException(firstLine(e.getMessage()), e);
    } catch (RuntimeException | Error e) {
      Tops.deleteTree(work);
      throw e;
    }
  }

  private static Tops split(RunPlan plan, FeatureSets sets, Path work, PrintStream log)
      throws IOException {
    boolean text = "text".equals(plan.input().kind());
    long[] mapShape = text ? null : ImageTop.mapShape(plan);
    TopInputs inputs = text ? textInputs(plan, sets, log)
        : TopInputs.images(mapShape, TrunkSets.rows(sets));
    Shared shared = ImageTop.keepsImagePath(plan)
        ? ImageTop.shared(plan, sets, mapShape, work, log)
        : sharedTop(plan, sets, inputs, work, log);
    checkFeatureSize(plan, shared.sets());
    HeadFeatures features = HeadFeatures.shared(plan.headNames(), shared.sets());
    Map<String, TunedTop> own = ownTops(plan, features, inputs, work, log);
    for (var e : own.entrySet()) {
      features = features.withHead(e.getKey(),
          TrunkSets.withFeatures(sets, e.getValue().features()));
    }
    return new Tops(features, shared.topFile(), shared.report(), own, work, shared.sets());
  }

  /** Tokenises every set and runs the text trunk once over all of them. */
  static TopInputs textInputs(RunPlan plan, FeatureSets sets, PrintStream log)
      throws IOException {
    TrainerConfig c = plan.config();
    Path tok = plan.loaded().resolve(c.input().text().tokenizer());
    TextSpec t = plan.input().text();
    TextSpec spec = new TextSpec(tok.getFileName().toString(), t.maxTokens(), t.pooling(),
        t.buckets());
    try (TextTrunkCache cache = TextTrunkCache.open(plan.backboneFile(), tok.getParent(), spec,
        c.backbone().device(), c.backbone().batchSize())) {
      TextTrunkCache.Result r = cache.extract(TrunkSets.texts(sets), c.backbone().cacheMaxBytes(),
          c.backbone().cachePrecision(), log);
      log.printf("text trunk: ran once for all heads in %.1fs%n", r.seconds());
      return TopInputs.text(r.sets());
    }
  }

  /**
   * The shared top through PerHeadTops: frozen, or tuned once for the heads that train it
   * ({@link #sharedTopHeads}): jointly when they are several.
   */
  private static Shared sharedTop(RunPlan plan, FeatureSets sets, TopInputs inputs, Path work,
      PrintStream log) throws IOException {
    TrainerConfig c = plan.config();
    Path dir = Files.createDirectories(work.resolve("shared"));
    TopSettings settings = settings(plan, dir, log);
    TrainerConfig.FineTuneSpec ft = c.backbone().fineTune();
    if (ft == null) {
      return new Shared(TrunkSets.withFeatures(sets,
          PerHeadTops.frozenFeatures(plan.topFile(), inputs, settings)), plan.topFile(), null);
    }
    List<HeadTopSpec> heads = new ArrayList<>();
    for (HeadSpec h : sharedTopHeads(plan)) heads.add(spec(plan, h, ft, sets));
    TunedTop t = PerHeadTops.tuneJoint(plan.topFile(), inputs, heads, ft, settings, c.seed() + 5);
    return new Shared(TrunkSets.withFeatures(sets, t.features()), t.topFile(),
        FineTuneReport.of(t));
  }

  /**
   * The heads whose losses fine-tune the shared top ({@code backbone.fine_tune.objective}):
   * {@code all_heads}, every head that reads it (no {@code top: own}), in config order;
   * {@code decision_head}, or when every head has its own top, the decision head alone.
   */
  static List<HeadSpec> sharedTopHeads(RunPlan plan) {
    TrainerConfig c = plan.config();
    if (c.backbone().fineTune() == null
        || c.backbone().fineTune().jointObjective() == FineTuneObjective.DECISION_HEAD) {
      return List.of(plan.decisionHead());
    }
    List<HeadSpec> shared = c.heads().stream().filter(h -> h.top() != TopMode.OWN).toList();
    return shared.isEmpty() ? List.of(plan.decisionHead()) : shared;
  }

  /** One tuned copy of the top per head with {@code top: own}, in config order. */
  private static Map<String, TunedTop> ownTops(RunPlan plan, HeadFeatures features,
      TopInputs inputs, Path work, PrintStream log) throws IOException {
    TrainerConfig c = plan.config();
    FeatureSets sets = features.of(0);
    List<HeadTopSpec> specs = new ArrayList<>();
    for (HeadSpec h : c.heads()) {
      if (h.top() == TopMode.OWN) specs.add(spec(plan, h, h.fineTuneOr(c.backbone().fineTune()), sets));
    }
    if (specs.isEmpty()) return Map.of();
    Path dir = Files.createDirectories(work.resolve("own"));
    return PerHeadTops.fineTune(plan.topFile(), inputs, specs, settings(plan, dir, log));
  }

  private static HeadTopSpec spec(RunPlan plan, HeadSpec h, TrainerConfig.FineTuneSpec ft,
      FeatureSets sets) {
    boolean outliers = sets.get(SetRole.OUTLIERS_TRAIN).size() > 0;
    HeadSpec withFt = new HeadSpec(h.name(), h.kind(), h.task(), h.labels(), h.baseLabel(),
        h.hidden(), h.outlierExposure(), h.top(), ft, h.unknownMethod());
    return HeadTopSpec.of(withFt, ft, sets.get(SetRole.TRAIN).samples(),
        sets.get(SetRole.VAL).samples(), outliers);
  }

  private static TopSettings settings(RunPlan plan, Path dir, PrintStream log) {
    TrainerConfig c = plan.config();
    return new TopSettings(c.backbone().device(), c.backbone().batchSize(), c.seed() + 7, dir, log);
  }

  private static void checkFeatureSize(RunPlan plan, FeatureSets sets) {
    float[][] train = sets.get(SetRole.TRAIN).features();
    int want = plan.config().backbone().featureSize();
    if (train.length > 0 && train[0].length != want) {
      throw new TrainerException("backbone.feature_size: config says " + want + " but "
          + plan.topFile() + " outputs " + train[0].length + " features; heads are built for "
          + "feature_size");
    }
  }

  private static String firstLine(String s) {
    if (s == null) return "top stage failed";
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
