package dev.cerberus.trainer.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A whole text run on the tiny BERT-like split under src/test/resources/text-split (hidden 32):
 * JSONL sets whose sentences carry two words of one topic (animal, vehicle, food) among filler
 * words, a multiclass "topic" task and two binary "base vs X" tasks (other vs animal, other vs
 * vehicle), and colour sentences as outliers and as the evaluation OOD set.
 */
final class TextRunFixture {

  static final String[][] TOPICS = {
      "cat dog horse cow sheep goat".split(" "),
      "car bus train truck bike boat".split(" "),
      "bread cheese apple pear rice soup".split(" ")};
  static final String[] NAMES = {"animal", "vehicle", "food"};
  static final String[] COLOUR = "red blue green yellow black white".split(" ");
  static final String[] FILLER = ("the a an is was and or but of to in on at with for from by "
      + "it this that my your big small old new fast slow good bad").split(" ");

  /** Two own binary tops, one shared multiclass head; {@code %s} slots: ood head, served method. */
  static final String CONFIG = """
      name: text-own
      seed: 3
      output: out/%s/1
      cache_dir: cache
      backbone:
        split: {trunk: fixture/trunk.pt, top: fixture/top.pt}
        output: tokens
        feature_size: 32
        batch_size: 16
        threads: 1
        cache_precision: %s
      input:
        kind: text
        text: {tokenizer: fixture/tokenizer.json, max_tokens: 16, pooling: mean, buckets: [8, 16]}
      data:
        train: [{jsonl: train.jsonl}]
        val: [{jsonl: val.jsonl}]
        test: [{jsonl: test.jsonl}]
      heads:
        - {name: topic, kind: multiclass, labels: [animal, vehicle, food]}
        - name: animal
          kind: binary
          labels: [other, animal]
          top: own
          fine_tune: {epochs: 2, learning_rate: 0.005, head_learning_rate: 0.05, batch_size: 16}
        - name: vehicle
          kind: binary
          labels: [other, vehicle]
          top: own
          fine_tune: {epochs: 2, learning_rate: 0.005, head_learning_rate: 0.05, batch_size: 16}
      outliers: [{name: colours, text: outliers.txt}]
      ood_sets: [{name: val, text: ood.txt}]
      ood:
        methods: [max_softmax, energy, mahalanobis, knn]
        serve: %s
        head: %s
        knn_k: 3
      training: {epochs: 15, learning_rate: 0.01, batch_size: 32, patience: 5}
      """;

  private TextRunFixture() {}

  static String config(String out, String precision, String serve, String oodHead) {
    return CONFIG.formatted(out, precision, serve, oodHead);
  }

  /** Writes the fixture split, the data sets and the outliers into {@code dir}. */
  static void write(Path dir) throws IOException {
    Files.createDirectories(dir.resolve("fixture"));
    for (String f : new String[] {"trunk.pt", "top.pt", "tokenizer.json"}) {
      try (InputStream in = TextRunFixture.class.getResourceAsStream("/text-split/" + f)) {
        Files.copy(in, dir.resolve("fixture").resolve(f));
      }
    }
    Files.write(dir.resolve("train.jsonl"), jsonl(90, 1));
    Files.write(dir.resolve("val.jsonl"), jsonl(30, 2));
    Files.write(dir.resolve("test.jsonl"), jsonl(30, 3));
    Files.write(dir.resolve("outliers.txt"), colours(30, 4));
    Files.write(dir.resolve("ood.txt"), colours(20, 5));
  }

  static List<String> jsonl(int n, long seed) {
    Random r = new Random(seed);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int t = i % 3;
      String animal = t == 0 ? "animal" : "other";
      String vehicle = t == 1 ? "vehicle" : "other";
      out.add("{\"text\": \"" + sentence(TOPICS[t], r) + "\", \"labels\": {\"topic\": \""
          + NAMES[t] + "\", \"animal\": \"" + animal + "\", \"vehicle\": \"" + vehicle + "\"}}");
    }
    return out;
  }

  static List<String> colours(int n, long seed) {
    Random r = new Random(seed);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) out.add(sentence(COLOUR, r));
    return out;
  }

  /** Filler words around two topic words; one in four long enough for bucket 16. */
  static String sentence(String[] topic, Random r) {
    List<String> w = new ArrayList<>();
    int filler = r.nextInt(4) == 0 ? 6 + r.nextInt(5) : 1 + r.nextInt(4);
    for (int i = 0; i < filler; i++) w.add(FILLER[r.nextInt(FILLER.length)]);
    w.add(r.nextInt(w.size() + 1), topic[r.nextInt(topic.length)]);
    w.add(r.nextInt(w.size() + 1), topic[r.nextInt(topic.length)]);
    return String.join(" ", w);
  }
}
