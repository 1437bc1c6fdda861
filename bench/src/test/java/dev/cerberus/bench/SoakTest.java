package dev.cerberus.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A one-minute soak in the default test run: the real server jar on the tiny tensor fixture,
 * mixed good and bad unary calls and streams on both APIs, a version swapped 10 s after the last one was ready (at least once: a
 * swap waits for the new version to load, which took up to 40 s on a busy machine).
 * Asserts what the soak exists for: zero lost items, zero unexpected outcomes, the server ready
 * at the end, and RSS after warm-up growing by at most {@link #RSS_GROWTH_BOUND_MB} (the heap is
 * fixed and pre-touched, so growth would be native or off-heap memory piling up).
 */
class SoakTest {

  /** RSS growth allowed from the sample after warm-up to the end of a one-minute soak. */
  static final double RSS_GROWTH_BOUND_MB = 64;

  @Test
  void oneMinuteOfMixedLoadWithReloadsLosesNothing(@TempDir Path out) throws Exception {
    assertThat(BenchSmokeTest.SERVER_JAR).as("server jar (build the server module first)").exists();
    SoakRun soak = new SoakRun();
    soak.minutes = 1;
    soak.models = BenchSmokeTest.BUNDLES;
    soak.model = "tiny";
    soak.unaryWorkers = 2;
    soak.classifyStreams = 1;
    soak.oipStreams = 1;
    soak.itemsPerStream = 400;
    soak.pauseMs = 2;
    soak.reloadEvery = 10;
    soak.warmUp = 15;
    soak.maxItems = 16;
    soak.serverJar = BenchSmokeTest.SERVER_JAR;
    soak.serverJvmArgs = List.of("-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch");
    soak.out = out;
    soak.tag = "test";
    ObjectNode doc = soak.run();
    System.out.print(SoakReport.markdown(doc));

    assertThat(doc.path("unexpected_errors").asLong()).as(doc.path("outcomes").toString()).isZero();
    assertThat(doc.path("lost_items").asLong()).as(doc.path("items").toString()).isZero();
    assertThat(doc.path("healthy_at_end").asBoolean()).isTrue();
    assertThat(doc.path("reloads").path("versions_swapped").asInt()).isPositive();
    assertThat(doc.path("reloads").path("failed").asInt()).isZero();
    for (String api : List.of(SoakLoad.CLASSIFY, SoakLoad.OIP, SoakStreams.CLASSIFY_STREAM, SoakStreams.OIP_STREAM)) {
      assertThat(doc.path("items").path(api).path("answered").asLong()).as(api).isPositive();
    }
    // bad traffic was sent and refused as expected, not silently skipped
    assertThat(doc.path("outcomes").toString()).contains("classify-mixed item INVALID_ARGUMENT",
        "classify-unknown-model call NOT_FOUND", "oip-bad call INVALID_ARGUMENT", "oip-stream error message");
    JsonNode rss = doc.path("rss_mb");
    assertThat(rss.path("end").asDouble()).isPositive();
    assertThat(rss.path("growth_after_warm_up").asDouble()).as(rss.toString()).isLessThan(RSS_GROWTH_BOUND_MB);
    assertThat(doc.path("unary_latency_per_minute").size()).isPositive();
    for (String ext : List.of("json", "md", "png")) assertThat(out.resolve("soak-test." + ext)).exists();
    assertThat(Files.readString(out.resolve("soak-test.md"))).contains("| lost items (sent - answered) | 0 |");
  }
}
