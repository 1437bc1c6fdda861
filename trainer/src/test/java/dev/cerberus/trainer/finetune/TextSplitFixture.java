package dev.cerberus.trainer.finetune;

import dev.cerberus.model.bundle.BundleManifest;
import dev.cerberus.trainer.config.TrainerConfig.CachePrecision;
import dev.cerberus.trainer.features.Backbone;
import dev.cerberus.trainer.features.TextTrunkCache;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The tiny BERT-like text split under src/test/resources/text-split (made by
 * src/test/fixtures/make_text_split.py: hidden 32, one trunk layer, one top layer, MiniLM's
 * signatures) and a synthetic topic task: sentences of filler words plus two words of one
 * topic; outliers are sentences about colours.
 */
final class TextSplitFixture {

  // six words a topic: with hidden 32 and a random trunk, a linear layer learns these from a
  // hundred sentences (twelve made the frozen task too noisy to test a fine-tuner on)
  static final String[] ANIMAL = "cat dog horse cow sheep goat".split(" ");
  static final String[] VEHICLE = "car bus train truck bike boat".split(" ");
  static final String[] FOOD = "bread cheese apple pear rice soup".split(" ");
  static final String[] COLOUR = "red blue green yellow black white".split(" ");
  static final String[][] TOPICS = {ANIMAL, VEHICLE, FOOD};
  static final String[] FILLER = ("the a an is was and or but of to in on at with for from by it "
      + "this that my your big small old new fast slow good bad happy sad very quite").split(" ");
  /** Buckets 8 and 16: short sentences land in 8, longer ones in 16. */
  static final int[] BUCKETS = {8, 16};

  private TextSplitFixture() {}

  static Path dir() {
    try {
      return Path.of(TextSplitFixture.class.getResource("/text-split/top.pt").toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Copies trunk.pt, top.pt, tokenizer.json into {@code to} (bundle-like folder). */
  static Path copyTo(Path to) {
    try {
      Files.createDirectories(to);
      for (String f : new String[] {"trunk.pt", "top.pt", "tokenizer.json", "backbone.pt"}) {
        Files.copy(dir().resolve(f), to.resolve(f));
      }
      return to;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static BundleManifest.TextSpec textSpec() {
    return new BundleManifest.TextSpec("tokenizer.json", 16, "mean", BUCKETS);
  }

  /**
   * A sentence: filler words around two words of {@code topic}; one in four is long (6-10
   * filler words: bucket 16), the others short (1-4: bucket 8).
   */
  static String sentence(String[] topic, Random r) {
    List<String> w = new ArrayList<>();
    int filler = r.nextInt(4) == 0 ? 6 + r.nextInt(5) : 1 + r.nextInt(4);
    for (int i = 0; i < filler; i++) w.add(FILLER[r.nextInt(FILLER.length)]);
    w.add(r.nextInt(w.size() + 1), topic[r.nextInt(topic.length)]);
    w.add(r.nextInt(w.size() + 1), topic[r.nextInt(topic.length)]);
    return String.join(" ", w);
  }

  /** n sentences cycling over the three topics; labels[i] = topic index. */
  static List<String> topical(int n, long seed, int[] labels) {
    Random r = new Random(seed);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      labels[i] = i % 3;
      out.add(sentence(TOPICS[i % 3], r));
    }
    return out;
  }

  static List<String> colours(int n, long seed) {
    Random r = new Random(seed);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) out.add(sentence(COLOUR, r));
    return out;
  }

  /** A run's sets: texts plus the topic label of every train/val row. */
  record Sets(Map<String, List<String>> texts, int[] trainTopic, int[] valTopic) {}

  static Sets sets(int train, int val, int outliers) {
    int[] yt = new int[train];
    int[] yv = new int[val];
    Map<String, List<String>> t = new LinkedHashMap<>();
    t.put(TopInputs.TRAIN, topical(train, 1, yt));
    t.put(TopInputs.VAL, topical(val, 2, yv));
    t.put(TopInputs.OUTLIERS_TRAIN, colours(outliers, 3));
    t.put(TopInputs.OUTLIERS_VAL, colours(outliers / 2, 4));
    return new Sets(t, yt, yv);
  }

  /** Runs the trunk once over the sets (the trainer's text trunk cache). */
  static TopInputs inputs(Sets sets, CachePrecision precision, PrintStream log) throws IOException {
    Backbone.configureEngine(1);
    try (TextTrunkCache cache = TextTrunkCache.open(dir().resolve("trunk.pt"), dir(), textSpec(),
        "cpu", 16)) {
      return TopInputs.text(cache.extract(sets.texts(), 1L << 30, precision, log).sets());
    }
  }
}
