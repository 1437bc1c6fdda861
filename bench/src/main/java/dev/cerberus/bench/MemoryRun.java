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
    ((ObjectNode) doc.get("settings")).put("memory_warm_up_s", f.memoryWarmUp);
    ObjectNode mem = doc.putObject("memory");
    List<Long> reqs = new ArrayList<>();
    List<Double> rss = new ArrayList<>();
    List<Double> anon = new ArrayList<>();
    try (ServerProcess srv = ServerProcess.startCerberus(f.serverJar, repo, f.jvmArgs, serveArgs, f.work.resolve("server-memory.log"));
        LoadGenerator gen = new LoadGenerator(srv.port, Workload.items(workload))) {
      LoadSpec spec = new LoadSpec(List.of(model), false, 32, 1, 0, f.memoryWarmUp, 3600, f.memoryRequests, 0);
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
    // RSS saw-tooths by +-60 MB as malloc's arenas fill and trim (cerberus.engine.malloc-*), so
    // two single samples say little: the growth is the least-squares trend over the whole soak
    // (fitted RSS at the end vs at the start); the endpoint and tenth-median forms are kept too
    double[] fit = leastSquares(reqs, rss);
    double fitStart = fit[0];
    double fitEnd = fit[0] + fit[1] * reqs.get(reqs.size() - 1);
    int tenth = Math.max(1, rss.size() / 10);
    double headMedian = FullRun.median(new ArrayList<>(rss.subList(0, tenth)));
    double tailMedian = FullRun.median(new ArrayList<>(rss.subList(rss.size() - tenth, rss.size())));
    mem.put("rss_growth_trend", Measure.round4((fitEnd - fitStart) / fitStart));
    mem.put("rss_mb_per_100k_requests", Measure.round(fit[1] * 100_000));
    mem.put("rss_growth_endpoints", Measure.round4((last - first) / first));
    mem.put("rss_growth_tenth_medians", Measure.round4((tailMedian - headMedian) / headMedian));
    mem.put("rss_mb_min", Measure.round(rss.stream().mapToDouble(d -> d).min().orElse(first)));
    raw.put("rss_growth_endpoints", Measure.round4((last - first) / first));
    ratios.put("rss_growth", Measure.round4((fitEnd - fitStart) / fitStart));
    XYChart chart = new XYChartBuilder().width(900).height(500).title("Server RSS over " + reqs.get(reqs.size() - 1)
        + " unary requests (after warm-up)").xAxisTitle("requests").yAxisTitle("MiB").build();
    chart.addSeries("RSS", reqs.stream().map(Long::doubleValue).toList(), rss);
    chart.addSeries("RssAnon", reqs.stream().map(Long::doubleValue).toList(), anon);
    chart.getStyler().setYAxisMin(0.0);
    String suffix = f.tag.isEmpty() ? "" : "-" + f.tag;
    BitmapEncoder.saveBitmap(chart, f.out.resolve("memory" + suffix).toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  /** [intercept, slope] of y over x by least squares. */
  static double[] leastSquares(List<Long> x, List<Double> y) {
    int n = x.size();
    double mx = 0;
    double my = 0;
    for (int i = 0; i < n; i++) {
      mx += x.get(i);
      my += y.get(i);
    }
    mx /= n;
    my /= n;
    double sxy = 0;
    double sxx = 0;
    for (int i = 0; i < n; i++) {
      sxy += (x.get(i) - mx) * (y.get(i) - my);
      sxx += (x.get(i) - mx) * (x.get(i) - mx);
    }
    double slope = sxx == 0 ? 0 : sxy / sxx;
    return new double[] {my - slope * mx, slope};
  }
}
