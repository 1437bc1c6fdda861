package dev.cerberus.trainer.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cerberus.trainer.config.ConfigException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The text protocol runner end to end on tiny data (the default test run's smoke of
 * bench/text-ood-protocol.sh): two base topics in the exporter's layout on the tiny BERT-like
 * fixture (src/test/resources/text-split), real DJL extraction and training, ood.serve: auto,
 * per-head k-NN unknowns, a gate, two OOD sources; then the per-topic and mean +- sd tables.
 */
class TextProtocolSmokeTest {

  @TempDir static Path dir;
  static List<TextTopicResult> results;
  static String log;

  static final Map<String, String[]> WORDS = Map.of(
      "animal", "cat dog horse cow sheep goat".split(" "),
      "vehicle", "car bus train truck bike boat".split(" "),
      "food", "bread cheese apple pear rice soup".split(" "),
      "colour", "red blue green yellow black white".split(" "));
  static final String[] FILLER = ("the a an is was and or but of to in on at with for from by "
      + "it this that my your big small old new fast slow good bad").split(" ");

  static final String TEMPLATE = """
      name: text-smoke
      seed: 3
      output: unused
      cache_dir: cache
      backbone: {file: fixture/backbone.pt, output: tokens, feature_size: 32, batch_size: 16, threads: 1}
      input:
        kind: text
        text: {tokenizer: fixture/tokenizer.json, max_tokens: 16, pooling: mean, buckets: [8, 16]}
      data: {train: [{jsonl: x.jsonl}], val: [{jsonl: x.jsonl}], test: [{jsonl: x.jsonl}]}
      heads:
        - {name: x, kind: binary, labels: [base, x], base_label: base, unknown_method: knn}
      gate: {name: gate, hidden: []}
      outliers: [{name: brown, text: somewhere.txt}]
      ood_sets: [{name: fortunes, text: somewhere.txt}, {name: manpages, text: somewhere.txt}]
      ood:
        methods: [max_softmax, energy, mahalanobis, knn, gate]
        serve: auto
        holdout_fraction: 0.2
        per_head: true
        target_tpr: 0.9
        knn_k: 3
      training: {epochs: 15, learning_rate: 0.01, batch_size: 32, patience: 5}
      """;

  /** Filler words around two words of one kind. */
  static String sentence(String kind, Random r) {
    List<String> w = new ArrayList<>();
    for (int i = 1 + r.nextInt(4); i > 0; i--) {
      w.add(FILLER[r.nextInt(FILLER.length)]);
    }
    String[] k = WORDS.get(kind);
    w.add(r.nextInt(w.size() + 1), k[r.nextInt(k.length)]);
    w.add(r.nextInt(w.size() + 1), k[r.nextInt(k.length)]);
    return String.join(" ", w);
  }

  /** A topic folder as the exporter writes it: base vs each X, per role, and the text sets. */
  static Path topic(String name, int seed, String base, List<String> xs) throws IOException {
    Path t = dir.resolve("data/" + name);
    Files.createDirectories(t);
    Random r = new Random(seed);
    int[] sizes = {40, 20, 20};
    String[] roles = {"train", "val", "test"};
    for (String x : xs) {
      for (int i = 0; i < roles.length; i++) {
        List<String> rows = new ArrayList<>();
        for (int j = 0; j < sizes[i]; j++) {
          String label = j % 2 == 0 ? base : x;
          rows.add("{\"text\": \"" + sentence(label, r) + "\", \"labels\": {\"" + x + "\": \""
              + label + "\"}}");
        }
        Files.write(t.resolve(x + "-" + roles[i] + ".jsonl"), rows);
      }
    }
    Files.write(t.resolve("brown.txt"), lines(30, () -> sentence("colour", r)));
    Files.write(t.resolve("fortunes.txt"), lines(20, () -> sentence("colour", r)));
    Files.write(t.resolve("manpages.txt"), lines(20, () -> String.join(" ",
        FILLER[r.nextInt(FILLER.length)], FILLER[r.nextInt(FILLER.length)])));
    Files.writeString(t.resolve("manifest.json"), "{\"base\": \"noun." + base + "\", \"x\": [\""
        + String.join("\", \"", xs.stream().map(x -> "noun." + x).toList())
        + "\"], \"sources\": {\"topic_seed\": " + seed + "}}\n");
    return t;
  }

  static List<String> lines(int n, java.util.function.Supplier<String> s) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(s.get());
    }
    return out;
  }

  static List<Path> topics() {
    return List.of(dir.resolve("data/topic-1"), dir.resolve("data/topic-2"));
  }

  @BeforeAll
  static void runTwoTopics() throws IOException {
    Files.createDirectories(dir.resolve("fixture"));
    for (String f : new String[] {"backbone.pt", "tokenizer.json"}) {
      try (InputStream in = TextProtocolSmokeTest.class.getResourceAsStream("/text-split/" + f)) {
        Files.copy(in, dir.resolve("fixture").resolve(f));
      }
    }
    Files.writeString(dir.resolve("template.yaml"), TEMPLATE);
    topic("topic-1", 1, "food", List.of("animal", "vehicle"));
    topic("topic-2", 2, "animal", List.of("food", "vehicle"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    results = TextProtocolMain.run(dir.resolve("template.yaml"), topics(), dir.resolve("work"),
        List.of(), new PrintStream(out));
    log = out.toString();
    TextProtocolMain.write(results, dir.resolve("results/smoke"), "smoke");
  }

  @Test
  void everyTopicTrainsItsOwnBaseVsXHeadsAndTheRuleServes() throws IOException {
    assertThat(results).extracting(r -> r.topic().base()).containsExactly("food", "animal");
    JsonNode m = new ObjectMapper().readTree(
        dir.resolve("work/topic-2/bundle/metrics.json").toFile());
    assertThat(m.path("heads").get(0).path("head").asText()).isEqualTo("food");
    assertThat(m.path("heads").get(0).path("labels").toString())
        .isEqualTo("[\"animal\",\"food\"]");
    for (TextTopicResult r : results) {
      assertThat(r.served()).isEqualTo("auto");
      assertThat(r.chosen()).isNotEqualTo("auto");
      assertThat(r.methods()).containsKeys("max_softmax", "energy", "mahalanobis", "knn",
          "gate", "auto");
      assertThat(r.methods().get("auto")).containsOnlyKeys("fortunes", "manpages");
      assertThat(r.headAccuracy()).containsOnlyKeys(r.topic().heads());
      assertThat(r.meanAccuracy()).isGreaterThan(0.6); // tiny random-weight fixture: above chance
      assertThat(r.headMethod()).isEqualTo("knn");
      assertThat(r.perHead()).containsOnlyKeys(r.topic().heads());
      r.perHead().values().forEach(s -> assertThat(s).containsOnlyKeys("fortunes", "manpages"));
      assertThat(r.overall().idAcceptedByAnyHead()).isGreaterThanOrEqualTo(r.overall().idKnown());
      assertThat(r.overall().oodUnknown()).containsOnlyKeys("fortunes", "manpages");
    }
    assertThat(log).contains("topic-1 (food vs [animal, vehicle]): trained");
  }

  @Test
  void tablesCarryEveryTopicMethodHeadAndTheMeans() throws IOException {
    String md = Files.readString(dir.resolve("results/smoke.md"));
    assertThat(md).contains("| topic-1 | food vs animal, vehicle |")
        .contains("| topic-2 | auto = ").contains("| topic-1 | vehicle |")
        .contains("Mean +- sd over 2 topics").contains("| per-head policies (mean over heads) |")
        .contains("fortunes AUROC").contains("manpages FPR95");
    JsonNode j = new ObjectMapper().readTree(dir.resolve("results/smoke.json").toFile());
    assertThat(j.path("schema").asText()).isEqualTo("cerberus.text-ood-protocol/1");
    assertThat(j.path("topics")).hasSize(2);
    JsonNode t = j.path("topics").get(0);
    assertThat(t.path("topic_seed").asInt()).isEqualTo(1);
    assertThat(t.path("methods").path("auto").path("manpages").path("auroc").isNumber()).isTrue();
    assertThat(t.path("per_head").path("animal").path("fortunes").has("fpr95")).isTrue();
    assertThat(t.path("overall").path("ood_unknown").has("manpages")).isTrue();
    assertThat(j.path("mean_sd").path("auto").path("fortunes_auroc").path("sd").isNumber())
        .isTrue();
    assertThat(j.path("mean_sd").path("overall").has("manpages_unknown")).isTrue();
  }

  @Test
  void aSecondRunReusesTrainedTopics() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    var again = TextProtocolMain.run(dir.resolve("template.yaml"), topics(), dir.resolve("work"),
        List.of(), new PrintStream(out));
    assertThat(out.toString()).contains("topic-1 (food vs [animal, vehicle]): reused");
    assertThat(again.get(1).methods().get("auto").get("fortunes"))
        .isEqualTo(results.get(1).methods().get("auto").get("fortunes"));
  }

  @Test
  void badTopicsAndTemplatesAreOneLineErrorsNamingTheFile() throws IOException {
    Path none = Files.createDirectories(dir.resolve("data/empty"));
    assertThatThrownBy(() -> TextTopic.read(none)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("manifest.json: missing").hasMessageNotContaining("\n");
    Path one = Files.createDirectories(dir.resolve("data/one"));
    Files.writeString(one.resolve("manifest.json"), "{\"base\": \"noun.act\", \"x\": [\"noun.event\"]}");
    assertThatThrownBy(() -> TextTopic.read(one)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("x: the protocol needs at least 2");
    Path multi = dir.resolve("multi.yaml");
    Files.writeString(multi, TEMPLATE.replace("kind: binary, labels: [base, x], base_label: base",
        "kind: multiclass, labels: [a, b]"));
    TextTopic t = TextTopic.read(dir.resolve("data/topic-1"));
    assertThatThrownBy(() -> TextTopicConfig.write(multi, t, dir.resolve("w2"), List.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("multi.yaml: heads[0]");
  }
}
