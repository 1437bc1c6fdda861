package dev.cerberus.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Smoke run of the harness (seconds, no thresholds): the real server jar as a child process on
 * 127.0.0.1 with the tiny tensor fixture bundle, a short unary, stream and open-loop run, the
 * offline child, and a well-formed report. Speed is never asserted here.
 */
class BenchSmokeTest {

  static final Path ROOT = Path.of(System.getProperty("cerberus.repo.root", ".."));
  static final Path SERVER_JAR = Path.of(System.getProperty("cerberus.bench.server-jar",
      ROOT.resolve("server/target/cerberus-server.jar").toString()));
  static final Path BUNDLES = Path.of("src/test/resources/bundles").toAbsolutePath();

  @Test
  void smokeRunWritesAWellFormedReport(@TempDir Path out) throws Exception {
    assertThat(SERVER_JAR).as("server jar (build the server module first)").exists();
    ArrayNode rows = Measure.JSON.createArrayNode();
    List<String> jvm = List.of("-Xmx512m", "-Dai.djl.pytorch.graph_optimizer=false");
    List<String> args = List.of("--max-batch-size", "8", "--warm-up-batch-sizes", "1,8");
    try (ServerProcess srv = ServerProcess.startCerberus(SERVER_JAR, BUNDLES, jvm, args, out.resolve("server.log"));
        LoadGenerator gen = new LoadGenerator(srv.port, Workload.items("tensor:16"))) {
      assertThat(srv.rssKb()).isPositive();
      rows.add(Measure.run("unary", srv, gen, new LoadSpec(List.of("tiny"), false, 4, 1, 0, 1, 2, 0, 0), true, null));
      rows.add(Measure.run("stream", srv, gen, new LoadSpec(List.of("tiny"), true, 1, 4, 16, 1, 2, 0, 0), true, null));
      rows.add(Measure.run("open-loop", srv, gen, new LoadSpec(List.of("tiny"), false, 4, 2, 0, 0.5, 2, 0, 50), true, null));
      rows.add(Measure.run("count", srv, gen, new LoadSpec(List.of("tiny"), false, 2, 1, 0, 0.5, 10, 100, 0), true, null));
    }
    BenchMain.write(out, "smoke", rows);
    JsonNode back = Measure.JSON.readTree(Files.readString(out.resolve("smoke.json")));
    assertThat(back).hasSize(4);
    for (JsonNode r : back) {
      assertThat(r.get("errors").asLong()).as(r.toString()).isZero();
      assertThat(r.get("items").asLong()).isPositive();
      assertThat(r.get("items_per_s").asDouble()).isPositive();
      assertThat(r.get("latency_ms_p99").asDouble()).isGreaterThanOrEqualTo(r.get("latency_ms_p50").asDouble());
      assertThat(r.get("server_rss_mb_end").asDouble()).isPositive();
      assertThat(r.get("server_forward_passes").asLong()).isPositive();
      assertThat(r.get("batch_size_histogram").size()).isPositive();
      assertThat(r.has("server_queue_ms_mean")).as("queue time from /metrics").isTrue();
      // the CPU split of the slice: the server worked, the load generator (this JVM) sent and
      // read, and the machine's busy time covers both
      assertThat(r.get("server_cpu_cores").asDouble()).isPositive();
      assertThat(r.get("load_generator_cpu_cores").asDouble()).isPositive();
      assertThat(r.get("machine_cpu_cores").asDouble())
          .isGreaterThan(0.5 * (r.get("server_cpu_cores").asDouble() + r.get("load_generator_cpu_cores").asDouble()));
    }
    assertThat(back.get(3).get("requests").asLong()).isBetween(100L, 102L);
    JsonNode neighbours = FullRun.neighbours((ArrayNode) back);
    assertThat(neighbours.get("slices").asInt()).isEqualTo(4);
    assertThat(neighbours.get("other_cpu_cores_max").asDouble())
        .isGreaterThanOrEqualTo(neighbours.get("other_cpu_cores_median").asDouble());
    assertThat(neighbours.get("quiet").isBoolean()).isTrue();
    assertThat(Files.readString(out.resolve("smoke.md"))).contains("| unary |", "| stream |");

    ObjectNode off = BenchMain.offline(SERVER_JAR, List.of("-Xmx512m"), BUNDLES.resolve("tiny/1"), "tensor:16", "1,4", 1, 0.5);
    assertThat(off.get("results")).hasSize(2);
    assertThat(off.get("results").get(1).get("items_per_s").asDouble()).isPositive();
  }

  @Test
  void neighboursSayWhetherAnyOtherProcessTookCpuDuringTheSlices() {
    ArrayNode served = Measure.JSON.createArrayNode();
    served.addObject().put("other_cpu_cores", 0.02);
    served.addObject().put("other_cpu_cores", 0.04).put("other_niced_cpu_cores", 0.01);
    ArrayNode offline = Measure.JSON.createArrayNode();
    offline.addObject().put("other_cpu_cores", 0.03);
    ObjectNode quiet = FullRun.neighbours(served, offline);
    assertThat(quiet.get("slices").asInt()).isEqualTo(3);
    assertThat(quiet.get("other_cpu_cores_median").asDouble()).isEqualTo(0.03);
    assertThat(quiet.get("other_cpu_cores_max").asDouble()).isEqualTo(0.04);
    assertThat(quiet.get("other_niced_cpu_cores_max").asDouble()).isEqualTo(0.01);
    assertThat(quiet.get("quiet").asBoolean()).isTrue();

    offline.addObject().put("other_cpu_cores", 0.6).put("other_niced_cpu_cores", 0.5);
    ObjectNode busy = FullRun.neighbours(served, offline);
    assertThat(busy.get("other_cpu_cores_max").asDouble()).isEqualTo(0.6);
    assertThat(busy.get("other_niced_cpu_cores_max").asDouble()).isEqualTo(0.5);
    assertThat(busy.get("quiet").asBoolean()).isFalse();
  }
}
