package dev.cerberus.trainer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code decision}: the bundle's decision order, checked at config load (so at --check). */
class DecisionConfigTest {

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
      outliers: [{images: train}]
      %s
      """;

  @BeforeEach
  void files() throws IOException {
    Files.writeString(dir.resolve("backbone.pt"), "x");
    Files.createDirectories(dir.resolve("train/a"));
  }

  private Path write(String extra) throws IOException {
    Path p = dir.resolve("c.yaml");
    Files.writeString(p, BASE.formatted(extra));
    return p;
  }

  private void assertRejected(String extra, String message) throws IOException {
    Path p = write(extra);
    assertThatThrownBy(() -> ConfigLoader.load(p)).isInstanceOf(ConfigException.class)
        .hasMessage(p + ": invalid config: " + message);
  }

  @Test
  void theDefaultIsTodaysOrderEvenWithAGate() throws IOException {
    var c = ConfigLoader.load(write("gate: {name: gate}")).config();
    assertThat(c.decision().orderOrDefault()).containsExactly("unknown", "class");
    assertThat(c.decision().gateTpr()).isEqualTo(0.99);
  }

  @Test
  void aCascadeWithAGateLoads() throws IOException {
    var c = ConfigLoader.load(write(
        "gate: {name: gate}\ndecision: {order: [gate, unknown, class], gate_tpr: 0.98}")).config();
    assertThat(c.decision().orderOrDefault()).containsExactly("gate", "unknown", "class");
    assertThat(c.decision().gateTpr()).isEqualTo(0.98);
  }

  @Test
  void aCascadeNamingAMissingGateIsOneLineNamingTheField() throws IOException {
    assertRejected("decision: {order: [gate, unknown, class]}",
        "decision.order: step gate needs a gate: section (the gate head to train)");
  }

  @Test
  void malformedOrdersAreRefused() throws IOException {
    assertRejected("decision: {order: [unknown, threshold, class]}",
        "decision.order: 'threshold' is not a step (allowed: gate, unknown, class)");
    assertRejected("decision: {order: [unknown, unknown, class]}",
        "decision.order: names 'unknown' more than once");
    assertRejected("decision: {order: [class, unknown]}",
        "decision.order: [class, unknown] must end with class (the class heads decide last)");
    assertRejected("gate: {name: gate}\ndecision: {order: [gate, class]}",
        "decision.order: [gate, class] needs step unknown (the trainer always writes an unknown"
            + " policy; a bundle whose policy no step reads is refused)");
    assertRejected("decision: {gate_tpr: 0}", "decision.gate_tpr: in (0, 1], got 0.0");
  }
}
