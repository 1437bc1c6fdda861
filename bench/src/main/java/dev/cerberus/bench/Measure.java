package dev.cerberus.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cerberus.proto.v1.BatchSizeCount;
import dev.cerberus.proto.v1.ClassifierGrpc;
import dev.cerberus.proto.v1.GetModelRequest;
import dev.cerberus.proto.v1.ModelStats;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/** One measured load run against one server, with the server's own counters around it. */
final class Measure {

  static final ObjectMapper JSON = new ObjectMapper();

  private Measure() {}

  /** A snapshot of what the server says about itself. */
  record Snapshot(double cpu, long rssKb, Map<String, Double> metrics, Map<String, ModelStats> stats, long nanos,
      CpuClock.Machine machine, double selfCpu) {}

  static Snapshot snapshot(ServerProcess srv, LoadGenerator gen, List<String> models, boolean cerberus) {
    Map<String, ModelStats> stats = new TreeMap<>();
    if (cerberus) {
      var stub = ClassifierGrpc.newBlockingStub(gen.channel());
      for (String m : models) {
        try {
          stats.put(m, stub.withDeadlineAfter(10, TimeUnit.SECONDS)
              .getModel(GetModelRequest.newBuilder().setModel(m).build()).getStats());
        } catch (RuntimeException e) {
          // a peer or an old server without stats
        }
      }
    }
    CpuClock.Machine machine = CpuClock.machine();
    double self = CpuClock.self();
    if (srv == null) return new Snapshot(Double.NaN, -1, Map.of(), stats, System.nanoTime(), machine, self);
    return new Snapshot(srv.cpuSeconds(), srv.rssKb(), cerberus ? srv.scrape() : Map.of(), stats, System.nanoTime(),
        machine, self);
  }

  /**
   * Runs {@code spec} and returns the scenario's JSON: throughput, latency, server CPU and RSS,
   * and for Cerberus the batch-size histogram, mean queue delay and mean forward time of the
   * measured window (counter deltas from GetModel and /metrics).
   */
  static ObjectNode run(String name, ServerProcess srv, LoadGenerator gen, LoadSpec spec, boolean cerberus,
      LongConsumer tick) throws InterruptedException {
    Snapshot[] before = new Snapshot[1];
    System.err.printf("[bench] %s: %s ...%n", name, spec.describe());
    LoadGenerator.Result r = gen.run(spec, () -> before[0] = snapshot(srv, gen, spec.models(), cerberus), tick);
    Snapshot after = snapshot(srv, gen, spec.models(), cerberus);
    ObjectNode o = JSON.createObjectNode();
    o.put("scenario", name);
    o.put("load", spec.describe());
    o.put("mode", spec.stream() ? "stream" : "unary");
    o.put("concurrency", spec.concurrency());
    o.put("items_per_request", spec.itemsPerRequest());
    if (spec.stream()) o.put("stream_window", spec.streamWindow());
    if (spec.rate() > 0) o.put("rate_per_s", spec.rate());
    o.put("models", String.join(",", spec.models()));
    o.put("seconds", round(r.seconds()));
    o.put("requests", r.requests());
    o.put("items", r.items());
    o.put("errors", r.errors());
    if (r.firstError() != null) o.put("first_error", r.firstError());
    o.put("items_per_s", round(r.itemsPerSecond()));
    o.put("completed_items", r.completedItems());
    o.put("completed_items_per_s", round(r.completedItemsPerSecond()));
    o.put("latency_ms_p50", round(r.ms(50)));
    o.put("latency_ms_p90", round(r.ms(90)));
    o.put("latency_ms_p99", round(r.ms(99)));
    o.put("latency_ms_max", round(r.latencyMicros().getMaxValue() / 1000.0));
    o.put("latency_ms_mean", round(r.latencyMicros().getMean() / 1000.0));
    Snapshot b = before[0] == null ? after : before[0];
    double wall = (after.nanos() - b.nanos()) / 1e9;
    o.put("server_pid", srv == null ? -1 : srv.pid());
    double serverCores = (after.cpu() - b.cpu()) / wall;
    double selfCores = (after.selfCpu() - b.selfCpu()) / wall;
    o.put("server_cpu_cores", round(serverCores));
    // who else used the cores during the slice: the load generator (this JVM) and the rest of
    // the machine (other processes of the harness, other tenants; "niced" = their niced part)
    o.put("load_generator_cpu_cores", round(selfCores));
    double busy = (after.machine().busy() - b.machine().busy()) / wall;
    o.put("machine_cpu_cores", round(busy));
    o.put("other_cpu_cores", round(busy - selfCores - (Double.isFinite(serverCores) ? serverCores : 0)));
    o.put("other_niced_cpu_cores", round((after.machine().niced() - b.machine().niced()) / wall));
    o.put("server_rss_mb_start", round(b.rssKb() / 1024.0));
    o.put("server_rss_mb_end", round(after.rssKb() / 1024.0));
    if (cerberus) {
      double qc = ServerProcess.sum(after.metrics(), "cerberus_queue_delay_seconds_count")
          - ServerProcess.sum(b.metrics(), "cerberus_queue_delay_seconds_count");
      double qs = ServerProcess.sum(after.metrics(), "cerberus_queue_delay_seconds_sum")
          - ServerProcess.sum(b.metrics(), "cerberus_queue_delay_seconds_sum");
      double fc = ServerProcess.sum(after.metrics(), "cerberus_forward_seconds_count")
          - ServerProcess.sum(b.metrics(), "cerberus_forward_seconds_count");
      double fs = ServerProcess.sum(after.metrics(), "cerberus_forward_seconds_sum")
          - ServerProcess.sum(b.metrics(), "cerberus_forward_seconds_sum");
      if (qc > 0) o.put("server_queue_ms_mean", round(1000 * qs / qc));
      if (fc > 0) o.put("server_forward_ms_mean", round(1000 * fs / fc));
      long passes = 0;
      long items = 0;
      TreeMap<Integer, Long> hist = new TreeMap<>();
      for (String m : spec.models()) {
        ModelStats a = after.stats().get(m);
        ModelStats s0 = b.stats().get(m);
        if (a == null || s0 == null) continue;
        passes += a.getForwardPasses() - s0.getForwardPasses();
        items += a.getItems() - s0.getItems();
        for (BatchSizeCount c : a.getBatchSizesList()) hist.merge(c.getSize(), c.getCount(), Long::sum);
        for (BatchSizeCount c : s0.getBatchSizesList()) hist.merge(c.getSize(), -c.getCount(), Long::sum);
      }
      o.put("server_forward_passes", passes);
      o.put("server_items", items);
      if (passes > 0) o.put("server_mean_batch_size", round(items / (double) passes));
      ObjectNode h = o.putObject("batch_size_histogram");
      hist.forEach((size, count) -> {
        if (count > 0) h.put(String.valueOf(size), count);
      });
    }
    System.err.printf("[bench] %s: %.1f items/s, p50 %.1f ms, p99 %.1f ms, errors %d%s%n", name,
        r.itemsPerSecond(), r.ms(50), r.ms(99), r.errors(),
        o.has("server_mean_batch_size") ? ", mean batch " + o.get("server_mean_batch_size").asDouble() : "");
    return o;
  }

  static double round4(double v) {
    return Double.isFinite(v) ? Math.round(v * 10000) / 10000.0 : -1;
  }

  static double round(double v) {
    return Double.isFinite(v) ? Math.round(v * 100) / 100.0 : -1;
  }

  /** Markdown table of scenario objects. */
  static String markdown(ArrayNode rows) {
    StringBuilder sb = new StringBuilder();
    sb.append("| scenario | round | load | items/s | p50 ms | p90 ms | p99 ms | mean batch | queue ms | forward ms | server CPU cores | load generator CPU | other CPU | RSS MB (end) | errors |\n");
    sb.append("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (var r : rows) {
      sb.append("| ").append(r.path("scenario").asText()).append(" | ").append(r.path("round").asText("-"))
          .append(" | ").append(r.path("load").asText())
          .append(" | ").append(r.path("items_per_s").asText()).append(" | ").append(r.path("latency_ms_p50").asText())
          .append(" | ").append(r.path("latency_ms_p90").asText()).append(" | ").append(r.path("latency_ms_p99").asText())
          .append(" | ").append(r.path("server_mean_batch_size").asText("-"))
          .append(" | ").append(r.path("server_queue_ms_mean").asText("-"))
          .append(" | ").append(r.path("server_forward_ms_mean").asText("-"))
          .append(" | ").append(r.path("server_cpu_cores").asText())
          .append(" | ").append(r.path("load_generator_cpu_cores").asText("-"))
          .append(" | ").append(r.path("other_cpu_cores").asText("-"))
          .append(" | ").append(r.path("server_rss_mb_end").asText())
          .append(" | ").append(r.path("errors").asText()).append(" |\n");
    }
    return sb.toString();
  }
}
