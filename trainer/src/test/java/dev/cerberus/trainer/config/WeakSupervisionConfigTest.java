package dev.cerberus.trainer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cerberus.trainer.weak.PseudoLabelMode;
import dev.cerberus.trainer.weak.WeakSupervisionSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeakSupervisionConfigTest {

  @TempDir Path dir;

  static final String TWO_HEADS = """
      name: demo
      output: out/1
      backbone: {file: backbone.pt, feature_size: 8}
      input: {kind: image, image: {width: 16, height: 16}}
      data:
        train: [{images: train, task: animal}]
      heads:
        - {name: animal, kind: binary, labels: [artifact, animal]}
        - {name: food, kind: binary, labels: [artifact, food]}
      """;

  @BeforeEach
  void files() throws IOException {
    Files.writeString(dir.resolve("backbone.pt"), "x");
    Files.createDirectories(dir.resolve("train/artifact"));
  }

  private LoadedConfig load(String extra) throws IOException {
    Path p = dir.resolve("c.yaml");
    Files.writeString(p, TWO_HEADS + extra);
    return ConfigLoader.load(p);
  }

  @Test
  void absentMeansOffAndAnEmptySectionTakesTheDefaults() throws IOException {
    assertThat(load("").config().weakSupervision()).isNull();
    LoadedConfig c = load("weak_supervision: {}\n");
    var w = c.config().weakSupervision();
    assertThat(w.mode()).isEqualTo("hard");
    assertThat(w.threshold()).isNull();
    assertThat(w.confidenceWeighting()).isTrue();
    assertThat(w.sources()).isNull();
    WeakSupervisionSettings s = WeakSupervisionSettings.from(w, List.of("animal", "food"));
    assertThat(s.mode()).isEqualTo(PseudoLabelMode.HARD);
    assertThat(s.threshold()).isEqualTo(0.9);
    assertThat(s.sources()).containsExactly("animal", "food");
  }

  @Test
  void fullSectionIsRead() throws IOException {
    var w = load("weak_supervision: {mode: soft, confidence_weighting: false, sources: [food]}\n")
        .config().weakSupervision();
    WeakSupervisionSettings s = WeakSupervisionSettings.from(w, List.of("animal", "food"));
    assertThat(s.mode()).isEqualTo(PseudoLabelMode.SOFT);
    assertThat(s.confidenceWeighting()).isFalse();
    assertThat(s.sources()).containsExactly("food");
    assertThat(load("weak_supervision: {mode: hard, threshold: 1.0}\n").config()
        .weakSupervision().threshold()).isEqualTo(1.0);
  }

  @Test
  void aSourceNamingNoHeadIsAnErrorNamingFileAndField() throws IOException {
    assertThatThrownBy(() -> load("weak_supervision: {sources: [animal, plant]}\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("c.yaml")
        .hasMessageContaining("weak_supervision.sources[1]: no head named plant")
        .hasMessageContaining("[animal, food]")
        .hasMessageNotContaining("\n");
    assertThatThrownBy(() -> load("weak_supervision: {sources: []}\n"))
        .hasMessageContaining("weak_supervision.sources: at least one head");
    assertThatThrownBy(() -> load("weak_supervision: {sources: [food, food]}\n"))
        .hasMessageContaining("weak_supervision.sources[1]: duplicate food");
  }

  @Test
  void thresholdAndModeAreChecked() throws IOException {
    for (String t : new String[] {"0.5", "0.2", "1.01"}) {
      assertThatThrownBy(() -> load("weak_supervision: {mode: hard, threshold: " + t + "}\n"))
          .hasMessageContaining("weak_supervision.threshold: in (0.5, 1]");
    }
    assertThatThrownBy(() -> load("weak_supervision: {mode: soft, threshold: 0.9}\n"))
        .hasMessageContaining("weak_supervision.threshold: only for mode hard");
    assertThatThrownBy(() -> load("weak_supervision: {mode: medium}\n"))
        .hasMessageContaining("weak_supervision.mode: hard or soft, got medium");
    assertThatThrownBy(() -> load("weak_supervision: {treshold: 0.9}\n"))
        .hasMessageContaining("unknown key 'treshold'")
        .hasMessageContaining("weak_supervision")
        .hasMessageContaining("threshold");
  }
}
