package dev.cerberus.trainer.stage;

import dev.cerberus.trainer.config.ConfigLoader;
import dev.cerberus.trainer.config.LoadedConfig;
import dev.cerberus.trainer.data.Item;
import dev.cerberus.trainer.data.Sample;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Small in-memory data for the stage tests: a config on disk (text input, so no image is
 * decoded; the backbone file is never run by these stages) and 2-D feature rows with three
 * well separated classes, training outliers on one side and an evaluation OOD set far away.
 */
final class StageFixtures {

  static final String CONFIG = """
      name: stages
      seed: 5
      output: out/stages/1
      cache_dir: cache
      backbone: {file: backbone.pt, output: tokens, feature_size: 2, threads: 1}
      input:
        kind: text
        text: {tokenizer: tokenizer.json, max_tokens: 8, pooling: mean}
      data:
        train: [{jsonl: train.jsonl}]
        val: [{jsonl: val.jsonl}]
        test: [{jsonl: test.jsonl}]
      heads:
        - {name: colour, kind: multiclass, labels: [a, b, c], hidden: [4]}
        - {name: size, kind: binary, labels: [small, big], base_label: small}
      gate: {name: gate, mixup: {count: 20, min: 0.3, max: 0.7}}
      outliers: [{name: noise, text: outliers.txt}]
      ood_sets: [{name: far, text: far.txt}]
      ood:
        methods: [max_softmax, energy, mahalanobis, knn, gate, fusion]
        fusion: [mahalanobis, knn]
        serve: fusion
        target_tpr: 0.9
        knn_k: 3
      training: {epochs: 40, learning_rate: 0.05, batch_size: 16, patience: 6}
      """;

  static final String[] COLOURS = {"a", "b", "c"};
  static final float[][] CENTRES = {{4, 0}, {0, 4}, {-4, -4}};

  private StageFixtures() {}

  /** Writes {@code yaml} and the files it names into {@code dir}, then loads it. */
  static LoadedConfig config(Path dir, String yaml) {
    try {
      Files.writeString(dir.resolve("backbone.pt"), "not run by these stages");
      Files.writeString(dir.resolve("tokenizer.json"), "{}");
      Files.writeString(dir.resolve("train.jsonl"), jsonl(30, 1));
      Files.writeString(dir.resolve("val.jsonl"), jsonl(12, 2));
      Files.writeString(dir.resolve("test.jsonl"), jsonl(12, 3));
      StringBuilder out = new StringBuilder();
      StringBuilder far = new StringBuilder();
      for (int i = 0; i < 20; i++) {
        out.append("noise ").append(i).append('\n');
        far.append("far away ").append(i).append('\n');
      }
      Files.writeString(dir.resolve("outliers.txt"), out.toString());
      Files.writeString(dir.resolve("far.txt"), far.toString());
      Files.writeString(dir.resolve("stages.yaml"), yaml);
      return ConfigLoader.load(dir.resolve("stages.yaml"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Even lines label the colour, odd lines the size (c is big). */
  static String jsonl(int n, long seed) {
    Random r = new Random(seed);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      int k = r.nextInt(3);
      String labels = i % 2 == 0 ? "{\"colour\": \"" + COLOURS[k] + "\"}"
          : "{\"size\": \"" + (k == 2 ? "big" : "small") + "\"}";
      sb.append("{\"text\": \"item ").append(seed).append('-').append(i)
          .append("\", \"labels\": ").append(labels).append("}\n");
    }
    return sb.toString();
  }

  /** {@code n} labelled rows per class around the class centres, both tasks labelled. */
  static FeatureSet labelled(SetId id, int n, long seed) {
    Random r = new Random(seed);
    List<Sample> samples = new ArrayList<>();
    float[][] rows = new float[3 * n][];
    for (int i = 0; i < rows.length; i++) {
      int k = i % 3;
      rows[i] = new float[] {CENTRES[k][0] + (float) r.nextGaussian() * 0.5f,
          CENTRES[k][1] + (float) r.nextGaussian() * 0.5f};
      samples.add(new Sample(new Item.Text(id + " " + i, id + ":" + i),
          Map.of("colour", COLOURS[k], "size", k == 2 ? "big" : "small")));
    }
    return new FeatureSet(id, samples, rows, 0);
  }

  /** Unlabelled rows around one point. */
  static FeatureSet unlabelled(SetId id, int n, float x, float y, long seed) {
    Random r = new Random(seed);
    List<Sample> samples = new ArrayList<>();
    float[][] rows = new float[n][];
    for (int i = 0; i < n; i++) {
      rows[i] = new float[] {x + (float) r.nextGaussian(), y + (float) r.nextGaussian()};
      samples.add(new Sample(new Item.Text(id + " " + i, id + ":" + i), Map.of()));
    }
    return new FeatureSet(id, samples, rows, 0);
  }

  /** Train / val / test around the centres, outliers at (8, -8), evaluation OOD at (12, 12). */
  static FeatureSets sets() {
    Map<SetRole, FeatureSet> fixed = new EnumMap<>(SetRole.class);
    fixed.put(SetRole.TRAIN, labelled(SetId.of(SetRole.TRAIN), 30, 1));
    fixed.put(SetRole.VAL, labelled(SetId.of(SetRole.VAL), 12, 2));
    fixed.put(SetRole.TEST, labelled(SetId.of(SetRole.TEST), 12, 3));
    fixed.put(SetRole.OUTLIERS_TRAIN, unlabelled(SetId.of(SetRole.OUTLIERS_TRAIN), 30, 8, -8, 4));
    fixed.put(SetRole.OUTLIERS_VAL, unlabelled(SetId.of(SetRole.OUTLIERS_VAL), 8, 8, -8, 5));
    return FeatureSets.of(fixed, List.of(unlabelled(SetId.ood("far"), 20, 12, 12, 6)));
  }

  /** The stages from heads to OOD scores, run on {@link #sets()} under {@link #CONFIG}. */
  record Fitted(RunPlan plan, HeadFeatures features, TrainedHeads heads, HeadLogits logits,
      OodScores scores) {}

  static Fitted fitted(Path dir) {
    RunPlan plan = ConfigStage.plan(config(dir, CONFIG));
    HeadFeatures features = HeadFeatures.shared(plan.headNames(), sets());
    TrainedHeads heads = HeadStage.train(plan, features, quiet());
    HeadLogits logits = HeadLogits.of(heads, features);
    return new Fitted(plan, features, heads, logits,
        OodStage.fit(plan, heads, features, logits, quiet()));
  }

  static java.io.PrintStream quiet() {
    return new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
  }
}
