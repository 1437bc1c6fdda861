package dev.cerberus.trainer.finetune;

import java.io.IOException;
import dev.cerberus.trainer.config.TrainerConfig.FineTuneSpec;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The stage-facing API of per-head tops (heads[].top: own), independent of the run's pipeline.
 * The trunk has run once for all heads ({@link TopInputs}: image maps from the feature cache, or
 * text token states from {@link dev.cerberus.trainer.features.TextTrunkCache}); each own-top
 * head then gets a fresh copy of the same top file, fine-tuned on its own labelled rows (rows
 * without its label unused) + the training outliers, and its pooled features for every set.
 * Heads are tuned one after the other so at most one trainable copy is in memory.
 *
 * <p>Heads without an own top read {@link #frozenFeatures} (the top run once for all of them)
 * or, with {@code backbone.fine_tune}, the top tuned jointly for all of them ({@link
 * #tuneJoint}) or for the decision head only ({@link #tune}).
 */
public final class PerHeadTops {

  private PerHeadTops() {}

  /**
   * Fine-tunes one copy of {@code topFile} per head, in list order.
   *
   * @return head name -> its tuned top, in list order
   * @throws IOException when the top cannot be loaded or does not fit the trunk's output (one
   *     line naming the file and {@code backbone.split.top}), or a top file cannot be written
   */
  public static Map<String, TunedTop> fineTune(Path topFile, TopInputs inputs,
      List<HeadTopSpec> heads, TopSettings settings) throws IOException {
    Map<String, TunedTop> out = new LinkedHashMap<>();
    for (int i = 0; i < heads.size(); i++) {
      HeadTopSpec h = heads.get(i);
      if (out.containsKey(h.head())) throw new IllegalArgumentException("duplicate head " + h.head());
      out.put(h.head(), tune(topFile, inputs, h, settings, settings.seed() + 1000L * (i + 1)));
    }
    return out;
  }

  /** One head's top (also usable for the shared fine-tuned top: pass the decision head). */
  public static TunedTop tune(Path topFile, TopInputs inputs, HeadTopSpec head,
      TopSettings settings, long seed) throws IOException {
    return train(topFile, inputs, List.of(head), head.fineTune(), head.head(), "an own",
        settings, seed);
  }

  /**
   * The shared top fine-tuned jointly for {@code heads} ({@code backbone.fine_tune.objective:
   * all_heads}): one linear layer per head, the sum of the heads' masked losses and of their
   * Outlier Exposure terms ({@link TopTraining}). With one head this is {@link #tune} (same
   * loss, batches, file name; only the log line says "shared"). Several heads: the result is
   * named {@code shared}; its {@code probe} is the first head's linear layer.
   */
  public static TunedTop tuneJoint(Path topFile, TopInputs inputs, List<HeadTopSpec> heads,
      FineTuneSpec spec, TopSettings settings, long seed) throws IOException {
    if (heads.size() == 1) {
      HeadTopSpec h = heads.get(0);
      return train(topFile, inputs, heads, h.fineTune(), h.head(), "the shared", settings, seed);
    }
    return train(topFile, inputs, heads, spec, SHARED, "the shared", settings, seed);
  }

  /** The name of the jointly tuned shared top in logs and file names. */
  public static final String SHARED = "shared";

  private static TunedTop train(Path topFile, TopInputs inputs, List<HeadTopSpec> heads,
      FineTuneSpec spec, String name, String what, TopSettings settings, long seed)
      throws IOException {
    TrunkOutputs train = inputs.train();
    int labelled = 0;
    for (HeadTopSpec head : heads) {
      if (head.trainLabels().length != train.size()
          || head.valLabels().length != inputs.size(TopInputs.VAL)) {
        throw new IllegalArgumentException(head.head() + ": " + head.trainLabels().length + "/"
            + head.valLabels().length + " labels for " + train.size() + " train / "
            + inputs.size(TopInputs.VAL) + " val rows");
      }
      int rows = HeadTopSpec.labelled(head.trainLabels()).length;
      if (rows == 0) {
        throw new IllegalArgumentException("heads." + head.head() + ": its top is fine-tuned, "
            + "but no training row has a label for this head");
      }
      labelled += rows;
    }
    boolean oe = heads.stream().anyMatch(HeadTopSpec::outlierExposure);
    TrunkOutputs outliers = oe ? inputs.get(TopInputs.OUTLIERS_TRAIN) : null;
    long t0 = System.nanoTime();
    try (TrainableTop top = TrainableTop.load(topFile, train, settings.device())) {
      settings.log().printf("fine-tuning %s top for %s (%s) on %d labels of %d training rows "
          + "and %d outliers (lambda %.2f), %d epochs, %s schedule%n",
          what,
          String.join(", ", heads.stream().map(h -> "'" + h.head() + "'").toList()),
          topFile.getFileName(), labelled,
          TopTraining.union(heads.stream().map(HeadTopSpec::trainLabels).toList()).length,
          outliers == null ? 0 : outliers.size(), spec.oeLambda(), spec.epochs(),
          spec.schedule().name().toLowerCase(java.util.Locale.ROOT));
      TopTraining t = new TopTraining(top, heads, spec, seed);
      List<TunedTop.Epoch> history;
      TunedTop.Linear probe;
      try {
        history = t.run(train, outliers, inputs.get(TopInputs.VAL),
            inputs.get(TopInputs.OUTLIERS_VAL), name, settings.log());
        probe = t.linear(0);
      } finally {
        t.close();
      }
      Path file = settings.outDir().resolve("top-" + name + ".pt");
      top.write(file);
      return new TunedTop(name, file, features(top, inputs, settings), List.copyOf(history),
          probe, (System.nanoTime() - t0) / 1e9);
    }
  }

  /** The top as it is (frozen), run once over every set: the shared heads' features. */
  public static Map<String, float[][]> frozenFeatures(Path topFile, TopInputs inputs,
      TopSettings settings) throws IOException {
    try (TrainableTop top = TrainableTop.load(topFile, inputs.train(), settings.device())) {
      return features(top, inputs, settings);
    }
  }

  private static Map<String, float[][]> features(TrainableTop top, TopInputs inputs,
      TopSettings settings) {
    Map<String, float[][]> f = new LinkedHashMap<>();
    for (var e : inputs.sets().entrySet()) {
      f.put(e.getKey(), top.features(e.getValue(), settings.featureBatchSize()));
    }
    return f;
  }
}
