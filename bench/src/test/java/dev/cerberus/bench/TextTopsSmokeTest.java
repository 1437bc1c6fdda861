package dev.cerberus.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Smoke run of {@code bench text-tops} (seconds, no thresholds) on a tiny MiniLM-shaped fixture
 * written by bench/scripts/make_text_tops_bundles.py --tiny (hidden 16, split at layer 4, 2 heads
 * with own tops; 2 whole-model bundles): one server, offline children, one round of (c) (b) (c),
 * and a report with the ratios. Speed is never asserted.
 */
class TextTopsSmokeTest {

  static final Path REPO = Path.of("src/test/resources/text-tops").toAbsolutePath();

  @Test
  void oneRoundWritesRatiosForEverySplit(@TempDir Path out) throws Exception {
    assertThat(BenchSmokeTest.SERVER_JAR).as("server jar (build the server module first)").exists();
    int rc = new CommandLine(new TextTopsRun()).execute("--repo", REPO.toString(), "--splits", "4",
        "--workload", "text:mid", "--rounds", "1", "--warm-rounds", "0", "--duration", "1", "--warm-up", "0.5",
        "--batch", "8", "--server-jvm-args", "-Xmx512m -Dai.djl.pytorch.graph_optimizer=false",
        "--server-jar", BenchSmokeTest.SERVER_JAR.toString(), "--out", out.toString(),
        "--work", out.resolve("work").toString(), "--tag", "smoke");
    assertThat(rc).isZero();
    JsonNode doc = Measure.JSON.readTree(Files.readString(out.resolve("text-tops-smoke.json")));
    JsonNode s4 = doc.path("result").path("split4");
    assertThat(s4.path("ideal_compute_ratio").asDouble()).isEqualTo(1.5); // 2 heads: 12 / (4 + 2 x 2)
    assertThat(s4.path("served_ratio").asDouble()).isPositive();
    assertThat(s4.path("offline_ratio").asDouble()).isPositive();
    assertThat(s4.has("held")).isTrue();
    assertThat(doc.path("token_lengths").path("p50").asInt()).isBetween(14, 40);
    // (c) (b) (c): every served slice answered every item with no error
    assertThat(doc.path("scenarios")).hasSize(3);
    for (JsonNode r : doc.path("scenarios")) {
      assertThat(r.path("errors").asLong()).as(r.toString()).isZero();
      assertThat(r.path("items").asLong()).isPositive();
    }
    assertThat(doc.path("scenarios").get(0).path("models").asText()).isEqualTo("text-full-0,text-full-1");
    assertThat(doc.path("offline")).hasSize(3);
    assertThat(doc.path("machine").path("neighbours").path("slices").asInt()).isEqualTo(6);
    assertThat(out.resolve("text-tops-smoke.md")).content().contains("| 4+2 | 1.5 |");
  }

  @Test
  void idealRatioOfTheIssue() {
    assertThat(TextTopsReport.ideal(4, 4)).isEqualTo(2.0); // (4 x 6) / (4 + 4 x 2)
    assertThat(TextTopsReport.ideal(3, 4)).isEqualTo(1.6);
    assertThat(TextTopsReport.ideal(5, 4)).isCloseTo(2.667, org.assertj.core.data.Offset.offset(0.001));
  }
}
