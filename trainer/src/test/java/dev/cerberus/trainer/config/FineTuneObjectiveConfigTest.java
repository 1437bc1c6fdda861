package dev.cerberus.trainer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cerberus.trainer.config.TrainerConfig.FineTuneObjective;
import dev.cerberus.trainer.config.TrainerConfig.FineTuneSchedule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code backbone.fine_tune.objective} and {@code fine_tune.schedule}. */
class FineTuneObjectiveConfigTest {

  @TempDir Path dir;

  @BeforeEach
  void files() throws IOException {
    for (String f : new String[] {"trunk.pt", "top.pt", "tokenizer.json", "train.jsonl"}) {
      Files.writeString(dir.resolve(f), "x");
    }
  }

  private TrainerConfig load(String backboneFineTune, String headFineTune) throws IOException {
    Path p = dir.resolve("c.yaml");
    Files.writeString(p, """
        name: demo
        output: out/1
        backbone:
          split: {trunk: trunk.pt, top: top.pt}
          fine_tune: %s
          feature_size: 32
        input: {kind: text, text: {tokenizer: tokenizer.json, max_tokens: 16}}
        data:
          train: [{jsonl: train.jsonl}]
        heads:
          - {name: a, kind: binary, labels: [base, a]}
          - {name: b, kind: binary, labels: [base, b], top: own, fine_tune: %s}
        """.formatted(backboneFineTune, headFineTune));
    return ConfigLoader.load(p).config();
  }

  @Test
  void defaultsAreAllHeadsAndConstant() throws IOException {
    TrainerConfig c = load("{epochs: 3}", "{epochs: 2}");
    assertThat(c.backbone().fineTune().objective()).isNull();
    assertThat(c.backbone().fineTune().jointObjective()).isEqualTo(FineTuneObjective.ALL_HEADS);
    assertThat(c.backbone().fineTune().schedule()).isEqualTo(FineTuneSchedule.CONSTANT);
    assertThat(c.heads().get(1).fineTune().schedule()).isEqualTo(FineTuneSchedule.CONSTANT);
  }

  @Test
  void bothKeysParse() throws IOException {
    TrainerConfig c = load("{objective: decision_head, schedule: warmup_linear}",
        "{schedule: warmup_linear}");
    assertThat(c.backbone().fineTune().jointObjective()).isEqualTo(FineTuneObjective.DECISION_HEAD);
    assertThat(c.backbone().fineTune().schedule()).isEqualTo(FineTuneSchedule.WARMUP_LINEAR);
    assertThat(c.heads().get(1).fineTune().schedule()).isEqualTo(FineTuneSchedule.WARMUP_LINEAR);
  }

  @Test
  void anObjectiveOnAnOwnTopIsOneLineNamingTheField() {
    assertThatThrownBy(() -> load("{epochs: 3}", "{objective: all_heads}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("heads[1].fine_tune.objective: only for backbone.fine_tune")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n\tat "));
  }

  @Test
  void anUnknownScheduleIsAConfigError() {
    assertThatThrownBy(() -> load("{schedule: cosine}", "{epochs: 2}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cosine");
  }
}
