package dev.cerberus.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/** The soak's report: JSON (every figure), markdown (the tables), PNG (the server's RSS curve). */
final class SoakReport {

  private SoakReport() {}

  static void fill(ObjectNode doc, SoakRun run, SoakTally tally, List<double[]> rss, SoakVersions versions) {
    ObjectNode s = doc.putObject("settings");
    s.put("minutes", run.minutes).put("model", run.model).put("unary_workers", run.unaryWorkers)
        .put("classify_streams", run.classifyStreams).put("oip_streams", run.oipStreams)
        .put("items_per_stream", run.itemsPerStream).put("pause_ms", run.pauseMs)
        .put("reload_every_s", run.reloadEvery).put("warm_up_s", run.warmUp)
        .put("server_jvm_args", String.join(" ", run.serverJvmArgs)).put("load_average_at_end", loadAverage());
    doc.put("duration_s", Measure.round(rss.get(rss.size() - 1)[0]));
    ArrayNode outcomes = doc.putArray("outcomes");
    tally.outcomes().forEach((k, n) -> {
      ObjectNode o = outcomes.addObject().put("kind", k.what()).put("expected", k.expected()).put("count", n);
      String ex = tally.examples().get(k);
      if (ex != null) o.put("example", ex);
    });
    doc.put("unexpected_errors", tally.unexpected());
    ObjectNode items = doc.putObject("items");
    for (String api : tally.sent.keySet().stream().sorted().toList()) {
      long sent = tally.sent.get(api).get();
      long answered = tally.answered.getOrDefault(api, new java.util.concurrent.atomic.AtomicLong()).get();
      items.putObject(api).put("sent", sent).put("answered", answered).put("lost", sent - answered);
    }
    doc.put("lost_items", tally.lost());
    ObjectNode reloads = doc.putObject("reloads");
    reloads.put("versions_swapped", versions.swaps() - versions.failed).put("failed", versions.failed);
    reloads.put("seconds_to_ready_max", versions.secondsToReady.stream().mapToDouble(d -> d).max().orElse(0));
    double start = rss.stream().filter(r -> r[0] >= run.warmUp).findFirst().orElse(rss.get(0))[1];
    double end = rss.get(rss.size() - 1)[1];
    ObjectNode m = doc.putObject("rss_mb");
    m.put("first_sample", Measure.round(rss.get(0)[1])).put("after_warm_up", Measure.round(start))
        .put("end", Measure.round(end)).put("max", Measure.round(rss.stream().mapToDouble(r -> r[1]).max().orElse(end)))
        .put("growth_after_warm_up", Measure.round(end - start));
    latencies(doc.putArray("unary_latency_per_minute"), tally.unaryByMinute());
    latencies(doc.putArray("stream_item_latency_per_minute"), tally.streamByMinute());
  }

  private static void latencies(ArrayNode out, Map<Integer, Histogram> byMinute) {
    byMinute.forEach((minute, h) -> out.addObject().put("minute", minute + 1).put("count", h.getTotalCount())
        .put("p50_ms", Measure.round(h.getValueAtPercentile(50) / 1000.0))
        .put("p99_ms", Measure.round(h.getValueAtPercentile(99) / 1000.0))
        .put("max_ms", Measure.round(h.getMaxValue() / 1000.0)));
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }

  static void write(ObjectNode doc, List<double[]> rss, Path dir, String name) throws IOException {
    Files.writeString(dir.resolve(name + ".json"), Measure.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
    Files.writeString(dir.resolve(name + ".md"), markdown(doc).replace("RSS_PNG", name + ".png"));
    XYChart chart = new XYChartBuilder().width(900).height(450)
        .title("Cerberus server RSS during the soak (" + doc.path("duration_s").asDouble() + " s)")
        .xAxisTitle("seconds").yAxisTitle("MiB").build();
    chart.addSeries("RSS", rss.stream().map(r -> r[0]).toList(), rss.stream().map(r -> r[1]).toList());
    chart.getStyler().setYAxisMin(0.0);
    chart.getStyler().setMarkerSize(0);
    BitmapEncoder.saveBitmap(chart, dir.resolve(name).toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  static String markdown(JsonNode doc) {
    StringBuilder md = new StringBuilder("# Soak: " + doc.path("settings").path("model").asText() + ", "
        + doc.path("duration_s").asDouble() + " s\n\n");
    md.append("Settings: `").append(doc.path("settings").toString()).append("`\n\n");
    md.append("| result | value |\n|---|---|\n");
    md.append("| unexpected errors | ").append(doc.path("unexpected_errors").asLong()).append(" |\n");
    md.append("| lost items (sent - answered) | ").append(doc.path("lost_items").asLong()).append(" |\n");
    md.append("| healthy at the end | ").append(doc.path("healthy_at_end").asBoolean()).append(doc.has("unhealthy_because") ? " (" + doc.path("unhealthy_because").asText() + ")" : "").append(" |\n");
    JsonNode r = doc.path("rss_mb");
    md.append("| RSS MiB: first / after warm-up / end / max | ").append(r.path("first_sample")).append(" / ")
        .append(r.path("after_warm_up")).append(" / ").append(r.path("end")).append(" / ").append(r.path("max")).append(" |\n");
    JsonNode rl = doc.path("reloads");
    md.append("| versions swapped under load (failed) | ").append(rl.path("versions_swapped")).append(" (")
        .append(rl.path("failed")).append("), slowest ready after ").append(Measure.round(rl.path("seconds_to_ready_max").asDouble()))
        .append(" s |\n\n");
    md.append("| API | items sent | answered | lost |\n|---|---|---|---|\n");
    doc.path("items").fields().forEachRemaining(e -> md.append("| ").append(e.getKey()).append(" | ")
        .append(e.getValue().path("sent")).append(" | ").append(e.getValue().path("answered")).append(" | ")
        .append(e.getValue().path("lost")).append(" |\n"));
    md.append("\n| outcome | expected | count | example (unexpected only) |\n|---|---|---|---|\n");
    for (JsonNode o : doc.path("outcomes")) {
      md.append("| ").append(o.path("kind").asText()).append(" | ").append(o.path("expected").asBoolean() ? "yes" : "**no**")
          .append(" | ").append(o.path("count")).append(" | ").append(o.path("example").asText("").replace("|", "/")).append(" |\n");
    }
    md.append("\n| minute | good unary calls | p50 ms | p99 ms | stream items | p50 ms | p99 ms |\n|---|---|---|---|---|---|---|\n");
    JsonNode u = doc.path("unary_latency_per_minute");
    JsonNode st = doc.path("stream_item_latency_per_minute");
    for (int i = 0; i < Math.max(u.size(), st.size()); i++) {
      JsonNode a = u.path(i);
      JsonNode b = st.path(i);
      md.append("| ").append(a.path("minute").asInt(b.path("minute").asInt())).append(" | ").append(a.path("count"))
          .append(" | ").append(a.path("p50_ms")).append(" | ").append(a.path("p99_ms")).append(" | ")
          .append(b.path("count")).append(" | ").append(b.path("p50_ms")).append(" | ").append(b.path("p99_ms")).append(" |\n");
    }
    md.append("\nRSS curve: RSS_PNG\n");
    return md.toString();
  }
}
