package dev.cerberus.trainer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  @TempDir Path dir;

  static final String VALID = """
      name: demo
      output: out/1
      backbone: {file: backbone.pt, feature_size: 8}
      input: {kind: image, image: {width: 16, height: 16}}
      data:
        train: [{images: train, task: category}]
      heads:
        - {name: category, kind: multiclass, labels: [a, b]}
      """;

  @BeforeEach
  void files() throws IOException {
    Files.writeString(dir.resolve("backbone.pt"), "x");
    Files.createDirectories(dir.resolve("train/a"));
  }

  private Path write(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  @Test
  void validConfigLoadsWithDefaults() throws IOException {
    LoadedConfig c = ConfigLoader.load(write("c.yaml", VALID));
    assertThat(c.config().seed()).isEqualTo(42L);
    assertThat(c.config().ood().targetTpr()).isEqualTo(0.95);
    assertThat(c.config().heads().get(0).task()).isEqualTo("category");
    assertThat(c.resolve(c.config().output())).isEqualTo(dir.resolve("out/1"));
  }

  @Test
  void typoInKeyNamesTheKeyAndTheAllowedOnes() throws IOException {
    Path p = write("c.yaml", VALID.replace("training_dummy", "") + "trainning: {epochs: 3}\n");
    assertThatThrownBy(() -> ConfigLoader.load(p))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("unknown key 'trainning'")
        .hasMessageContaining("training")
        .hasMessageContaining("c.yaml");
  }

  @Test
  void nestedTypoNamesItsPath() throws IOException {
    Path p = write("c.yaml", VALID.replace("feature_size: 8", "feature_sise: 8"));
    assertThatThrownBy(() -> ConfigLoader.load(p))
        .hasMessageContaining("unknown key 'feature_sise'")
        .hasMessageContaining("backbone")
        .hasMessageContaining("feature_size");
  }

  @Test
  void jsonIsAcceptedToo() throws IOException {
    Path p = write("c.json", """
        {"name":"demo","output":"o","backbone":{"file":"backbone.pt","feature_size":8},
         "input":{"kind":"image","image":{"width":16,"height":16}},
         "data":{"train":[{"images":"train","task":"category"}]},
         "heads":[{"name":"category","kind":"multiclass","labels":["a","b"]}]}
        """);
    assertThat(ConfigLoader.load(p).config().name()).isEqualTo("demo");
  }

  @Test
  void crossFieldErrorsAreAllListed() throws IOException {
    Path p = write("c.yaml", VALID
        .replace("backbone.pt", "missing.pt")
        .replace("kind: multiclass, labels: [a, b]", "kind: binary, labels: [a, b, c]")
        + "ood: {methods: [max_softmax, magic], serve: energy}\n");
    assertThatThrownBy(() -> ConfigLoader.load(p))
        .hasMessageContaining("backbone.file: not readable")
        .hasMessageContaining("heads[0].labels: a binary head has exactly 2 labels")
        .hasMessageContaining("unknown method magic")
        .hasMessageContaining("ood.serve: energy must be one of");
  }

  @Test
  void gateMethodNeedsGateAndOutliers() throws IOException {
    Path p = write("c.yaml", VALID + "ood: {methods: [gate], serve: gate}\n");
    assertThatThrownBy(() -> ConfigLoader.load(p)).hasMessageContaining("gate needs a gate:");
  }

  @Test
  void gateMixupIsReadWithDefaultsAndBadRangesNameTheField() throws IOException {
    String gate = "gate: {name: gate, hidden: [8], mixup: {count: 100}}\n"
        + "outliers: [{name: o, images: train}]\n";
    LoadedConfig c = ConfigLoader.load(write("c.yaml", VALID + gate));
    assertThat(c.config().gate().mixup().count()).isEqualTo(100);
    assertThat(c.config().gate().mixup().min()).isEqualTo(0.3);
    assertThat(c.config().gate().mixup().max()).isEqualTo(0.7);
    assertThat(c.config().gate().hidden()).containsExactly(8);
    Path bad = write("d.yaml", VALID + gate.replace("count: 100", "count: 0, min: 0.8, max: 0.2"));
    assertThatThrownBy(() -> ConfigLoader.load(bad))
        .hasMessageContaining("gate.mixup.count: >= 1")
        .hasMessageContaining("gate.mixup.min/max: need 0 < min <= max < 1");
    Path typo = write("e.yaml", VALID + gate.replace("count: 100", "cnt: 100"));
    assertThatThrownBy(() -> ConfigLoader.load(typo))
        .hasMessageContaining("unknown key 'cnt'").hasMessageContaining("gate.mixup")
        .hasMessageContaining("count");
  }

  @Test
  void imageFolderMustNameAKnownTask() throws IOException {
    Path p = write("c.yaml", VALID.replace("task: category", "task: colour"));
    assertThatThrownBy(() -> ConfigLoader.load(p))
        .hasMessageContaining("data.train[0].task")
        .hasMessageContaining("colour");
  }

  @Test
  void wrongExtensionAndMissingFileAreClear() throws IOException {
    assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("nope.yaml")))
        .hasMessageContaining("does not exist");
    Path p = write("c.txt", VALID);
    assertThatThrownBy(() -> ConfigLoader.load(p)).hasMessageContaining(".yaml, .yml or .json");
  }

  /** A missing text split names the MiniLM builder, an image one the MobileNet splitter. */
  @Test
  void missingSplitFilesNameTheToolForTheInputKind() throws IOException {
    Files.writeString(dir.resolve("tok.json"), "{}");
    Files.writeString(dir.resolve("train.jsonl"), "{\"text\": \"a\", \"label\": \"a\"}\n");
    String text = VALID.replace("backbone: {file: backbone.pt, feature_size: 8}",
            "backbone: {split: {trunk: nope/trunk.pt, top: nope/top.pt}, output: tokens,"
                + " feature_size: 8}")
        .replace("input: {kind: image, image: {width: 16, height: 16}}",
            "input: {kind: text, text: {tokenizer: tok.json}}")
        .replace("train: [{images: train, task: category}]", "train: [{jsonl: train.jsonl}]");
    assertThatThrownBy(() -> ConfigLoader.load(write("text.yaml", text)))
        .hasMessageContaining("backbone.split.trunk: not readable")
        .hasMessageContaining("build-minilm.sh");
    String image = VALID.replace("backbone: {file: backbone.pt, feature_size: 8}",
        "backbone: {split: {trunk: nope/trunk.pt, top: nope/top.pt}, feature_size: 8}");
    assertThatThrownBy(() -> ConfigLoader.load(write("image.yaml", image)))
        .hasMessageContaining("split_mobilenet.py");
  }
}
