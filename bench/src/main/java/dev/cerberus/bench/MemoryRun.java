package dev.cerberus.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * Memory soak: N unary requests after warm-up against one server, sampling the server's RSS
 * (and its anonymous part, where libtorch's native allocations live) once a second. By default
 * on the real MobileNetV2 bundle with 16 heads and PNG inputs (200,000 requests take about 8-10
 * minutes on 2 cores); {@code --memory-model tiny} uses the tiny tensor bundle (Linear(16,32),
 * 2 heads) for a one-minute check of the same path (gRPC, batcher, one native batch tensor and
 * sub-manager per forward, response mapping).
 */
final class MemoryRun {

  private MemoryRun() {}

  static void run(FullRun f, ObjectNode doc, ObjectNode ratios, ObjectNode raw, List<String> serveArgs) throws Exception {
    boolean tiny = "tiny".equals(f.memoryModel);
    Path repo = tiny ? f.work.resolve("tiny-repo") : f.work.resolve("repo");
    if (tiny && !Files.exists(repo.resolve("tiny/1/bundle.json"))) {
      FullRun.run(List.of("/usr/bin/python3", Root.resolve("bench/scripts/make_bundles.py"), "tiny", "--out", repo.resolve("tiny/1").toString()));
    }
    String model = tiny ? "tiny" : "heads16";
    String workload = tiny ? "tensor:16" : "images:" + f.images;
    ((ObjectNode) doc.get("settings")).put("memory_model", model + " (" + workload + ")");
    ObjectNode mem = doc.putObject("memory");
    List<Long> reqs = new ArrayList<>();
    List<Double> rss = new ArrayList<>();
    List<Double> anon = new ArrayList<>();
    try (ServerProcess srv = ServerProcess.startCerberus(f.serverJar, repo, f.jvmArgs, serveArgs, f.work.resolve("server-memory.log"));
        LoadGenerator gen = new LoadGenerator(srv.port, Workload.items(workload))) {
      LoadSpec spec = new LoadSpec(List.of(model), false, 32, 1, 0, Math.max(f.warmUp, 15), 3600, f.memoryRequests, 0);
      Runnable sample0 = () -> {
        reqs.add(0L);
        rss.add(srv.rssKb() / 1024.0);
        anon.add(srv.statusKb("RssAnon:") / 1024.0);
      };
      ObjectNode row = Measure.run("memory-unary-c32-" + model, srv, gen, spec, true, n -> {
        if (reqs.isEmpty()) sample0.run();
        reqs.add(n);
        rss.add(srv.rssKb() / 1024.0);
        anon.add(srv.statusKb("RssAnon:") / 1024.0);
      });
      f.add(row);
      reqs.add(row.get("requests").asLong());
      rss.add(srv.rssKb() / 1024.0);
      anon.add(srv.statusKb("RssAnon:") / 1024.0);
    }
    // growth over the measured window: last sample vs the first one after warm-up
    double first = rss.get(0);
    double last = rss.get(rss.size() - 1);
    double max = rss.stream().mapToDouble(d -> d).max().orElse(last);
    mem.put("requests", reqs.get(reqs.size() - 1));
    mem.put("rss_mb_after_warm_up", Measure.round(first));
    mem.put("rss_mb_end", Measure.round(last));
    mem.put("rss_mb_max", Measure.round(max));
    mem.put("rss_anon_mb_after_warm_up", Measure.round(anon.get(0)));
    mem.put("rss_anon_mb_end", Measure.round(anon.get(anon.size() - 1)));
    ArrayNode curve = mem.putArray("curve");
    for (int i = 0; i < reqs.size(); i++) {
      curve.addObject().put("requests", reqs.get(i)).put("rss_mb", Measure.round(rss.get(i)))
          .put("rss_anon_mb", Measure.round(anon.get(i)));
    }
    raw.put("memory_requests", reqs.get(reqs.size() - 1));
    raw.put("rss_mb_after_warm_up", Measure.round(first));
    raw.put("rss_mb_end", Measure.round(last));
    ratios.put("rss_growth", Measure.round4((last - first) / first));
    XYChart chart = new XYChartBuilder().width(900).height(500).title("Server RSS over " + reqs.get(reqs.size() - 1)
        + " unary requests (after warm-up)").xAxisTitle("requests").yAxisTitle("MiB").build();
    chart.addSeries("RSS", reqs.stream().map(Long::doubleValue).toList(), rss);
    chart.addSeries("RssAnon", reqs.stream().map(Long::doubleValue).toList(), anon);
    chart.getStyler().setYAxisMin(0.0);
    String suffix = f.tag.isEmpty() ? "" : "-" + f.tag;
    BitmapEncoder.saveBitmap(chart, f.out.resolve("memory" + suffix).toString(), BitmapEncoder.BitmapFormat.PNG);
  }
}
