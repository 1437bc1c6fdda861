package dev.cerberus.trainer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ood.per_head}, {@code ood.top_level} and {@code heads[].unknown_method}. */
class PerHeadUnknownConfigTest {

  @TempDir Path dir;

  static final String BASE = """
      name: demo
      output: out/1
      backbone: {file: backbone.pt, feature_size: 8}
      input: {kind: image, image: {width: 16, height: 16}}
      data:
        train: [{images: train, task: category}]
      heads:
        - {name: category, kind: multiclass, labels: [a, b]}
        - {name: is-a, kind: binary, labels: [base, a]%s}
      ood:
      %s
      """;

  @BeforeEach
  void files() throws IOException {
    Files.writeString(dir.resolve("backbone.pt"), "x");
    Files.createDirectories(dir.resolve("train/a"));
  }

  private Path write(String head, String ood) throws IOException {
    Path p = dir.resolve("c.yaml");
    Files.writeString(p, BASE.formatted(head, ood));
    return p;
  }

  @Test
  void defaultsAreOffAndServed() throws IOException {
    var c = ConfigLoader.load(write("", "  serve: knn")).config();
    assertThat(c.ood().perHead()).isFalse();
    assertThat(c.ood().topLevel()).isEqualTo(TrainerConfig.TopLevel.SERVED);
    assertThat(c.heads().get(1).unknownMethodOr("knn")).isEqualTo("knn");
  }

  @Test
  void perHeadWithOverrideAndTopLevelNoneLoads() throws IOException {
    var c = ConfigLoader.load(write(", unknown_method: mahalanobis",
        "  per_head: true\n  top_level: none")).config();
    assertThat(c.ood().perHead()).isTrue();
    assertThat(c.ood().topLevel()).isEqualTo(TrainerConfig.TopLevel.NONE);
    assertThat(c.heads().get(1).unknownMethodOr("max_softmax")).isEqualTo("mahalanobis");
    assertThat(c.heads().get(0).unknownMethodOr("max_softmax")).isEqualTo("max_softmax");
  }

  @Test
  void aPerHeadGateWithoutAGateIsOneLineNamingFileAndField() throws IOException {
    Path p = write(", unknown_method: gate", "  per_head: true");
    assertThatThrownBy(() -> ConfigLoader.load(p))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("c.yaml")
        .hasMessageContaining("heads[1] (is-a).unknown_method: method gate")
        .hasMessageContaining("needs a gate: section")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void servingTheGatePerHeadWithoutAGateIsOneLine() throws IOException {
    Path p = write("", "  per_head: true\n  methods: [max_softmax, gate]\n  serve: gate");
    assertThatThrownBy(() -> ConfigLoader.load(p))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("c.yaml")
        .hasMessageContaining("needs a gate: section")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void anOverrideWithoutPerHeadOrAnUnknownMethodIsAnError() throws IOException {
    assertThatThrownBy(() -> ConfigLoader.load(write(", unknown_method: knn", "  serve: knn")))
        .hasMessageContaining("heads[1] (is-a).unknown_method: needs ood.per_head: true");
    assertThatThrownBy(() -> ConfigLoader.load(write(", unknown_method: cosine",
        "  per_head: true")))
        .hasMessageContaining("heads[1] (is-a).unknown_method: unknown method cosine");
    assertThatThrownBy(() -> ConfigLoader.load(write("", "  top_level: none")))
        .hasMessageContaining("ood.top_level: none needs ood.per_head: true");
  }
}
