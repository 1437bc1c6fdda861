package dev.cerberus.trainer.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cerberus.trainer.TrainerException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigStageTest {

  @TempDir Path dir;

  @Test
  void plansHeadsInTaskOrderWithTheGateLastAndTheFirstMulticlassHeadDeciding() {
    RunPlan p = ConfigStage.plan(StageFixtures.config(dir, StageFixtures.CONFIG.replace(
        "  - {name: colour, kind: multiclass, labels: [a, b, c], hidden: [4]}\n"
            + "  - {name: size, kind: binary, labels: [small, big], base_label: small}\n",
        "  - {name: size, kind: binary, labels: [small, big], base_label: small}\n"
            + "  - {name: colour, kind: multiclass, labels: [a, b, c], hidden: [4]}\n")));
    assertThat(p.headNames()).containsExactly("size", "colour", "gate");
    assertThat(p.decisionHead().name()).isEqualTo("colour");
    assertThat(p.decisionIndex()).isEqualTo(1);
    assertThat(p.gateIndex()).isEqualTo(2);
    assertThat(p.split()).isFalse();
    assertThat(p.backboneFile()).isEqualTo(dir.resolve("backbone.pt"));
    // the bundle carries the tokenizer under its own name, whatever the config calls it
    assertThat(p.input().text().tokenizer()).isEqualTo("tokenizer.json");
    assertThat(p.labelsByTask()).containsKeys("colour", "size");
  }

  @Test
  void oodHeadOverridesTheDefaultAndNoGateMeansNoGateIndex() {
    RunPlan p = ConfigStage.plan(StageFixtures.config(dir, StageFixtures.CONFIG
        .replace("gate: {name: gate, mixup: {count: 20, min: 0.3, max: 0.7}}\n", "")
        .replace("methods: [max_softmax, energy, mahalanobis, knn, gate, fusion]",
            "methods: [max_softmax, knn]")
        .replace("  fusion: [mahalanobis, knn]\n", "")
        .replace("serve: fusion", "serve: knn\n  head: size")));
    assertThat(p.decisionHead().name()).isEqualTo("size");
    assertThat(p.hasGate()).isFalse();
    assertThat(p.gateIndex()).isEqualTo(-1);
    assertThat(p.headNames()).containsExactly("colour", "size");
  }

  @Test
  void twoHeadsReadingOneTaskWithDifferentLabelsAreRefused() {
    var cfg = StageFixtures.config(dir, StageFixtures.CONFIG.replace(
        "  - {name: size, kind: binary, labels: [small, big], base_label: small}\n",
        "  - {name: size, kind: binary, labels: [small, big], base_label: small}\n"
            + "  - {name: colour2, kind: multiclass, task: colour, labels: [c, b, a]}\n"));
    assertThatThrownBy(() -> ConfigStage.plan(cfg))
        .isInstanceOf(TrainerException.class)
        .hasMessageContaining("two heads read task 'colour'");
  }
}
