package dev.cerberus.trainer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cerberus.model.bundle.FlipMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code flip_features} / {@code flip_tta}: image input and a whole backbone only, one of two. */
class FlipConfigTest {

  @TempDir Path dir;

  static final String IMAGE = """
      name: facing
      output: out/1
      backbone: {file: backbone.pt, feature_size: 8}
      input: {kind: image, image: {width: 16, height: 16}}
      data:
        train: [{jsonl: train.jsonl}]
      heads:
        - {name: facing, kind: multiclass, labels: [left, right]}
      """;

  static final String TEXT = """
      name: topic
      output: out/1
      backbone: {file: backbone.pt, output: tokens, feature_size: 8}
      input: {kind: text, text: {tokenizer: tokenizer.json, max_tokens: 16}}
      data:
        train: [{jsonl: train.jsonl}]
      heads:
        - {name: topic, kind: multiclass, labels: [a, b]}
      """;

  @BeforeEach
  void files() throws IOException {
    for (String f : new String[] {"trunk.pt", "top.pt", "backbone.pt", "tokenizer.json", "train.jsonl"}) {
      Files.writeString(dir.resolve(f), "x");
    }
  }

  private TrainerConfig load(String yaml) throws IOException {
    Path p = dir.resolve("c.yaml");
    Files.writeString(p, yaml);
    return ConfigLoader.load(p).config();
  }

  private void rejected(String yaml, String... parts) {
    var thrown = assertThatThrownBy(() -> load(yaml)).isInstanceOf(ConfigException.class)
        .hasMessageContaining(dir.resolve("c.yaml").toString());
    for (String part : parts) thrown.hasMessageContaining(part);
    thrown.satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void imageConfigsTakeEitherMode() throws IOException {
    assertThat(load(IMAGE).flip()).isEqualTo(FlipMode.NONE);
    assertThat(load(IMAGE + "flip_features: true\n").flip()).isEqualTo(FlipMode.FEATURES);
    assertThat(load(IMAGE + "flip_tta: true\n").flip()).isEqualTo(FlipMode.TTA);
    assertThat(load(IMAGE + "flip_tta: false\n").flip()).isEqualTo(FlipMode.NONE);
  }

  @Test
  void flipOnATextConfigIsOneLineNamingFileAndField() {
    rejected(TEXT + "flip_features: true\n", "flip_features: only for image input",
        "input.kind is text");
    rejected(TEXT + "flip_tta: true\n", "flip_tta: only for image input");
  }

  @Test
  void bothModesOrASplitBackboneAreRefused() {
    rejected(IMAGE + "flip_features: true\nflip_tta: true\n",
        "flip_tta: cannot be true together with flip_features");
    String split = IMAGE.replace("{file: backbone.pt, feature_size: 8}",
        "{split: {trunk: trunk.pt, top: top.pt}, feature_size: 8, fine_tune: {epochs: 1}}");
    rejected(split + "flip_features: true\n", "flip_features: needs backbone.file");
    rejected(split + "flip_tta: true\n", "flip_tta: needs backbone.file");
  }
}
