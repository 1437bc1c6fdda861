package dev.cerberus.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Every side-by-side scenario in one run, then {@code latest.json} with the ratios. Bundles are
 * generated into the work folder by bench/scripts/make_bundles.py (numpy, random heads on the
 * real MobileNetV2 backbone of models/fashion/1). Run from the repository root.
 */
@Command(name = "full", mixinStandardHelpOptions = true, description = "All scenarios; writes bench/results/.")
final class FullRun implements Callable<Integer> {

  @Option(names = "--out", defaultValue = "bench/results") Path out;
  @Option(names = "--work", defaultValue = "bench/target/full") Path work;
  @Option(names = "--server-jar", defaultValue = "server/target/cerberus-server.jar") Path serverJar;
  @Option(names = "--backbone", defaultValue = "models/fashion/1/backbone.pt") Path backbone;
  @Option(names = "--images", defaultValue = "examples/images/fashion") Path images;
  @Option(names = "--minilm", description = "MiniLM folder for the text scenario (default: ../shared/models/minilm if present).")
  Path minilm;
  @Option(names = "--warm-up", defaultValue = "10", description = "Warm-up of each slice in round 1 (later: 3 s).") double warmUp;
  @Option(names = "--duration", defaultValue = "10", description = "Measured seconds of each slice.") double duration;
  @Option(names = "--batch", defaultValue = "16", description = "Server max batch size = offline batch size (16: faster per item than 32 here, see README).") int batch;
  @Option(names = "--queue-delay-ms", defaultValue = "15",
      description = "Server max queue delay. 15 ms: with two inference threads and 32 closed-loop clients, 5 ms cut"
          + " batches short (mean 10-12 of 16) and cost 1.12x throughput (A/B in bench/README.md).")
  double queueDelayMs;
  @Option(names = "--inference-threads", defaultValue = "2",
      description = "Server inference threads per model version; intra-op threads = cores / this. The offline"
          + " ceiling runs the same layout and, as a second child, 1 thread x all cores; the ceiling is the"
          + " faster of the two in each round.")
  int inferenceThreads;
  @Option(names = "--memory-requests", defaultValue = "200000") long memoryRequests;
  @Option(names = "--memory-warm-up", defaultValue = "120",
      description = "Seconds of the same load on the soak's fresh server before the 200,000 counted requests."
          + " JIT, G1's heap sizing and malloc's per-thread arenas reach their working size within 1-3 minutes:"
          + " with 20 s, one run stepped +64 MB at 48,000 requests and stayed flat after it.")
  double memoryWarmUp;
  @Option(names = "--memory-model", defaultValue = "heads16",
      description = "Bundle of the memory soak: heads16 (real MobileNetV2, PNG inputs) or tiny (tensor fixture, ~1 min).")
  String memoryModel;
  @Option(names = "--server-jvm-args", split = " ", defaultValue = "-Xmx2g -Dai.djl.pytorch.graph_optimizer=false")
  List<String> jvmArgs;
  @Option(names = "--only", split = ",", description = "Subset: offline,served,heads,separate,peer,memory,text")
  List<String> only;
  @Option(names = "--tag", defaultValue = "", description = "Suffix of the result file names (latest: none).") String tag;

  @Option(names = "--rounds", defaultValue = "4", description = "Interleaved rounds of every scenario.") int rounds;
  @Option(names = "--warm-rounds", defaultValue = "1",
      description = "Rounds run first and not counted (reported under warm_up_rounds).") int warmRounds;
  @Option(names = "--warm-up-batch-sizes", defaultValue = "1,2,4,8,16,24,32") String warmSizes;

  private final ArrayNode rows = Measure.JSON.createArrayNode();
  private final ArrayNode offlineRows = Measure.JSON.createArrayNode();
  private final ArrayNode warmUpRows = Measure.JSON.createArrayNode();
  private final ObjectNode warmUpRounds = Measure.JSON.createObjectNode();
  private final ObjectNode doc = Measure.JSON.createObjectNode();

  /**
   * One offline slice in the server's layout, recorded in the offline rows; {@code position}
   * says which served slice it brackets. Returns the slice's row.
   */
  private ObjectNode offlineSlice(OfflineChild offline, int r, double w, String position, ArrayNode warmUpRows)
      throws java.io.IOException {
    CpuClock.Machine m0 = CpuClock.machine();
    double c0 = CpuClock.process(String.valueOf(offline.pid()));
    long t0 = System.nanoTime();
    ObjectNode o = offline.run(batch, duration, w, inferenceThreads);
    double wall = (System.nanoTime() - t0) / 1e9;
    double child = (CpuClock.process(String.valueOf(offline.pid())) - c0) / wall;
    o.put("scenario", offlineScenario(inferenceThreads, intraOp()));
    o.put("round", r);
    o.put("position", position);
    // CPU over the whole call (warm-up included): the child's share vs everything else
    o.put("offline_cpu_cores", Measure.round(child));
    o.put("other_cpu_cores", Measure.round((CpuClock.machine().busy() - m0.busy()) / wall - child));
    (r >= 1 ? offlineRows : warmUpRows).add(o);
    System.err.printf("[bench] offline B=%d %dx%d (%s): %.1f items/s, batch p50 %.1f ms%n", batch, inferenceThreads,
        intraOp(), position, o.get("items_per_s").asDouble(), o.get("batch_ms_p50").asDouble());
    return o;
  }

  /** Intra-op threads of the server's layout: the cores shared among its inference threads. */
  private int intraOp() {
    return Math.max(1, Runtime.getRuntime().availableProcessors() / inferenceThreads);
  }

  /** The ceiling a served slice is compared with: mean of its bracket, or the classic layout if faster. */
  private static double ceiling(double before, double after, double wide) {
    double bracket = Double.isFinite(after) ? (before + after) / 2 : before;
    return Double.isFinite(wide) ? Math.max(bracket, wide) : bracket;
  }

  private String offlineScenario(int lanes, int threads) {
    return "offline-forward-b" + batch + "-heads16-" + lanes + "x" + threads;
  }

  /** JVM args with the engine's intra-op thread count set (an explicit one in the args is replaced). */
  static List<String> withThreads(List<String> args, int threads) {
    List<String> out = new ArrayList<>();
    for (String a : args) if (!a.startsWith("-Dai.djl.pytorch.num_threads")) out.add(a);
    out.add("-Dai.djl.pytorch.num_threads=" + threads);
    return out;
  }

  boolean on(String s) {
    return only == null || only.contains(s);
  }

  @Override
  public Integer call() throws Exception {
    out = Root.resolve(out);
    work = Root.resolve(work);
    serverJar = Root.resolve(serverJar);
    backbone = Root.resolve(backbone);
    images = Root.resolve(images);
    Files.createDirectories(work);
    Files.createDirectories(out);
    doc.put("started", Instant.now().toString());
    doc.set("machine", machine());
    ObjectNode settings = doc.putObject("settings");
    settings.put("max_batch_size", batch);
    settings.put("max_queue_delay_ms", queueDelayMs);
    settings.put("warm_up_s", warmUp);
    settings.put("duration_s", duration);
    settings.put("server_jvm_args", String.join(" ", jvmArgs));
    settings.put("input", "PNG 28x28 Fashion-MNIST samples (" + images + "), resized to 96x96 RGB by the server");
    settings.put("backbone", "MobileNetV2 (models/fashion/1/backbone.pt), 1280-d pooled features");
    int cores = Runtime.getRuntime().availableProcessors();
    int intra = intraOp();
    settings.put("inference_threads", inferenceThreads);
    settings.put("intra_op_threads", intra);
    java.util.TreeSet<Integer> ws = new java.util.TreeSet<>();
    for (String w : warmSizes.split(",")) if (Integer.parseInt(w.trim()) <= batch) ws.add(Integer.parseInt(w.trim()));
    ws.add(batch);
    warmSizes = ws.stream().map(String::valueOf).collect(Collectors.joining(","));
    List<String> serveArgs = List.of("--max-batch-size", String.valueOf(batch), "--max-queue-delay-ms",
        String.valueOf(queueDelayMs), "--warm-up-batch-sizes", warmSizes,
        "--inference-threads", String.valueOf(inferenceThreads), "--intra-op-threads", String.valueOf(intra));
    settings.put("serve_args", String.join(" ", serveArgs));
    String imageLoad = "images:" + images;

    Path repo = work.resolve("repo");
    Path sep = work.resolve("separate");
    for (int h : new int[] {1, 4, 16}) bundle("image", "--heads", String.valueOf(h), "--out", repo.resolve("heads" + h + "/1").toString());
    if (on("separate") || on("peer")) bundle("separate", "--count", "16", "--out", sep.toString());
    ObjectNode ratios = doc.putObject("ratios");
    ObjectNode raw = doc.putObject("raw");
    ObjectNode perRound = doc.putObject("ratios_per_round");
    settings.put("rounds", rounds);
    settings.put("method", "every process is started and warmed first; then each round runs every scenario "
        + "once, back to back (offline slice, served slices, peers), so a ratio compares slices measured "
        + "seconds apart under the same machine load; the served stream and unary heads16 slices are each "
        + "bracketed by offline slices in the server's layout right before and after, and divided by the "
        + "bracket's mean (or the classic 1 x cores layout of the round if faster); the half-load slice "
        + "(open loop at half the round's unary heads16 rate) follows the unary slices, its bound uses the "
        + "unary bracket's offline batch time; reported ratio = median of the per-round ratios");

    List<String> sepNames = IntStream.range(0, 16).mapToObj(i -> String.format("sep-%02d", i)).toList();
    var imageItems = Workload.items(imageLoad);
    List<AutoCloseable> open = new ArrayList<>();
    try {
      // the offline ceiling in the server's thread layout, and (when that is not already it) in
      // the classic one: one forward thread with every core as intra-op threads
      OfflineChild offline = null;
      OfflineChild offlineWide = null;
      if (on("offline") || on("served")) {
        offline = new OfflineChild(serverJar, withThreads(jvmArgs, intra), repo.resolve("heads16/1"), imageLoad,
            String.valueOf(batch), work.resolve("offline.log"));
        open.add(offline);
        if (inferenceThreads > 1) {
          offlineWide = new OfflineChild(serverJar, withThreads(jvmArgs, cores), repo.resolve("heads16/1"), imageLoad,
              String.valueOf(batch), work.resolve("offline-wide.log"));
          open.add(offlineWide);
        }
      }
      ServerProcess heads = null;
      LoadGenerator headsGen = null;
      if (on("served") || on("heads")) {
        heads = ServerProcess.startCerberus(serverJar, repo, jvmArgs, serveArgs, work.resolve("server-heads.log"));
        open.add(heads);
        headsGen = new LoadGenerator(heads.port, imageItems);
        open.add(headsGen);
      }
      ServerProcess sepSrv = null;
      LoadGenerator sepGen = null;
      if (on("separate")) {
        sepSrv = ServerProcess.startCerberus(serverJar, sep, jvmArgs, serveArgs, work.resolve("server-separate.log"));
        open.add(sepSrv);
        sepGen = new LoadGenerator(sepSrv.port, imageItems);
        open.add(sepGen);
      }
      ServerProcess peer = null;
      ServerProcess peerSep = null;
      LoadGenerator peerGen = null;
      LoadGenerator peerSepGen = null;
      if (on("peer")) {
        Path stubs = work.resolve("peer-stubs");
        run(List.of("sh", Root.resolve("bench/peer/gen_stubs.sh"), stubs.toString()));
        Path peerOne = work.resolve("peer-repo");
        Files.createDirectories(peerOne);
        Path link = peerOne.resolve("heads16");
        if (!Files.exists(link)) Files.createSymbolicLink(link, repo.resolve("heads16").toAbsolutePath());
        Path script = Root.resolve(Path.of("bench/peer/peer_server.py"));
        peer = ServerProcess.startPeer(script, stubs, peerOne, List.of(), work.resolve("peer.log"));
        open.add(peer);
        peerGen = new LoadGenerator(peer.port, imageItems);
        open.add(peerGen);
        peerSep = ServerProcess.startPeer(script, stubs, sep, List.of(), work.resolve("peer-separate.log"));
        open.add(peerSep);
        peerSepGen = new LoadGenerator(peerSep.port, imageItems);
        open.add(peerSepGen);
      }
      doc.put("loadavg_after_start", Files.readString(Path.of("/proc/loadavg")).trim());

      // warm-up rounds run every scenario like a measured round, but are kept apart
      // (warm_up_rounds): JIT, G1's heap sizing and malloc's arenas settle over minutes, and the
      // 21:53 run's per-round stream ratios climbed 0.61, 0.70, 0.83, 0.92 as they did
      for (int r = 1 - warmRounds; r <= rounds; r++) {
        double w = r == 1 - warmRounds ? warmUp : Math.min(warmUp, 3);
        ObjectNode round = Measure.JSON.createObjectNode();
        round.put("loadavg", Files.readString(Path.of("/proc/loadavg")).trim());
        System.err.printf("[bench] round %d/%d (load %s)%n", r, rounds, round.get("loadavg").asText());
        // The ceiling is measured right before and right after each served slice it is compared
        // with (the server's layout), and a ratio divides by the mean of the two: the machine's
        // speed drifts by 10-20 % within a minute here, and a bracket cancels a linear drift.
        // The classic layout (1 x cores) is measured once per round; a ratio's ceiling is the
        // faster of the bracket mean and it.
        double offA = Double.NaN;
        double wide = Double.NaN;
        if (offline != null) {
          ObjectNode first = offlineSlice(offline, r, w, "before-stream", warmUpRows);
          offA = first.get("items_per_s").asDouble();
          round.put("offline_batch_ms_p50", first.get("batch_ms_p50").asDouble());
          if (offlineWide != null) {
            ObjectNode o1 = offlineWide.run(batch, duration, w, 1);
            o1.put("scenario", offlineScenario(1, cores));
            o1.put("round", r);
            (r >= 1 ? offlineRows : warmUpRows).add(o1);
            wide = o1.get("items_per_s").asDouble();
            round.put("offline_wide_items_per_s", wide);
            round.put("offline_wide_batch_ms_p50", o1.get("batch_ms_p50").asDouble());
            System.err.printf("[bench] offline B=%d 1x%d: %.1f items/s%n", batch, cores, wide);
          }
          round.put("offline_items_per_s", ceiling(offA, Double.NaN, wide));
        }
        double u16 = Double.NaN;
        if (heads != null) {
          double offB = offA;
          if (on("served")) {
            double st = add(r, Measure.run("served-stream-heads16", heads, headsGen,
                new LoadSpec(List.of("heads16"), true, 2, batch, 4 * batch, w, duration, 0, 0), true, null));
            if (offline != null) offB = offlineSlice(offline, r, w, "after-stream", warmUpRows).get("items_per_s").asDouble();
            round.put("served_stream_offline_bracket", ceiling(offA, offB, wide));
            round.put("served_stream_vs_offline", st / ceiling(offA, offB, wide));
          }
          // the three head counts in a rotating order, so no variant always runs right after the
          // same slice; heads16's unary slice gets its own bracket of offline slices
          java.util.Map<String, Double> byHeads = new java.util.HashMap<>();
          List<String> order = new ArrayList<>(on("heads") ? List.of("heads16", "heads1", "heads4") : List.of("heads16"));
          Collections.rotate(order, r - 1);
          boolean lastWasOffline = true;
          double lastBatchMs = round.path("offline_batch_ms_p50").asDouble(Double.NaN);
          double unaryBatchMs = lastBatchMs;
          for (String hm : order) {
            boolean bracket = hm.equals("heads16") && on("served") && offline != null;
            double before = offB;
            double beforeMs = lastBatchMs;
            if (bracket && !lastWasOffline) {
              ObjectNode o = offlineSlice(offline, r, w, "before-unary", warmUpRows);
              before = o.get("items_per_s").asDouble();
              beforeMs = o.get("batch_ms_p50").asDouble();
            }
            byHeads.put(hm, add(r, Measure.run("unary-c32-" + hm, heads, headsGen, unary(hm, 32, w), true, null)));
            lastWasOffline = false;
            if (bracket) {
              ObjectNode o = offlineSlice(offline, r, w, "after-unary", warmUpRows);
              double after = o.get("items_per_s").asDouble();
              lastWasOffline = true;
              lastBatchMs = o.get("batch_ms_p50").asDouble();
              unaryBatchMs = (beforeMs + lastBatchMs) / 2;
              round.put("unary_c32_offline_bracket", ceiling(before, after, wide));
              round.put("unary_c32_vs_offline", byHeads.get(hm) / ceiling(before, after, wide));
            }
          }
          u16 = byHeads.get("heads16");
          if (on("served")) {
            // half of this round's saturation, as an open loop (latency from the scheduled send);
            // the bound's "one batch" is the offline batch time of the unary bracket, so both
            // sides of the ratio come from the same minute of the machine
            double rate = u16 / 2;
            ObjectNode half = Measure.run("unary-half-load-heads16", heads, headsGen,
                new LoadSpec(List.of("heads16"), false, 32, 1, 0, w, duration, 0, rate), true, null);
            add(r, half);
            double p99 = half.get("latency_ms_p99").asDouble();
            double bound = queueDelayMs + 2 * unaryBatchMs;
            round.put("half_load_rate_per_s", Measure.round(rate));
            round.put("half_load_p99_ms", p99);
            round.put("half_load_p99_bound_ms", Measure.round(bound));
            round.put("half_load_p99_vs_bound", p99 / bound);
          }
          round.put("unary_c32_heads16_items_per_s", u16);
          if (on("served") && offline == null) round.put("unary_c32_vs_offline", Double.NaN);
          if (on("heads")) {
            round.put("heads16_vs_heads1", u16 / byHeads.get("heads1"));
            round.put("heads4_vs_heads1", byHeads.get("heads4") / byHeads.get("heads1"));
          }
        }
        if (sepSrv != null) {
          double s16 = add(r, Measure.run("unary-c32-separate16", sepSrv, sepGen,
              new LoadSpec(sepNames, false, 32, 1, 0, w, duration, 0, 0), true, null));
          round.put("heads16_vs_separate16", u16 / s16);
          round.put("separate16_drain_s", Measure.round(sepSrv.awaitIdle(0.05, 120)));
        }
        if (peer != null) {
          double p = add(r, Measure.run("peer-python-unary-c32-heads16", peer, peerGen, unary("heads16", 32, w), false, null));
          round.put("vs_python_peer_c32", u16 / p);
          round.put("peer_drain_s", Measure.round(peer.awaitIdle(0.05, 300)));
          double ps = add(r, Measure.run("peer-python-unary-c32-separate16", peerSep, peerSepGen,
              new LoadSpec(sepNames, false, 32, 1, 0, w, duration, 0, 0), false, null));
          round.put("vs_python_peer_separate16_c32", u16 / ps);
          // the peer computes the calls the harness cancelled; let it finish before the next slice
          round.put("peer_separate16_drain_s", Measure.round(peerSep.awaitIdle(0.05, 300)));
        }
        if (r >= 1) perRound.set("round" + r, round);
        else warmUpRounds.set("round" + r, round);
      }
      for (String key : List.of("served_stream_vs_offline", "unary_c32_vs_offline", "heads16_vs_heads1",
          "heads4_vs_heads1", "heads16_vs_separate16", "vs_python_peer_c32", "vs_python_peer_separate16_c32",
          "half_load_p99_vs_bound")) {
        double m = median(perRound, key);
        if (Double.isFinite(m)) ratios.put(key, Measure.round4(m));
      }
      for (String scen : List.of("served-stream-heads16", "unary-c32-heads16", "unary-c32-heads1", "unary-c32-heads4",
          "unary-c32-separate16", "peer-python-unary-c32-heads16", "peer-python-unary-c32-separate16",
          "unary-half-load-heads16")) {
        double m = medianOf(rows, scen, "items_per_s");
        if (Double.isFinite(m)) raw.put(scen.replace('-', '_') + "_items_per_s_median", m);
      }
      // the ceiling of a round is the faster offline layout; one batch's compute time (the
      // latency bound) is that of the layout the server runs
      double offMedian = median(perRound, "offline_items_per_s");
      double batchMs = medianOf(offlineRows, offlineScenario(inferenceThreads, intra), "batch_ms_p50");
      if (Double.isFinite(offMedian)) {
        raw.put("offline_b" + batch + "_items_per_s_median", offMedian);
        raw.put("offline_b" + batch + "_" + inferenceThreads + "x" + intra + "_items_per_s_median",
            medianOf(offlineRows, offlineScenario(inferenceThreads, intra), "items_per_s"));
        raw.put("offline_b" + batch + "_batch_ms_p50_median", batchMs);
        for (String key : List.of("served_stream_offline_bracket", "unary_c32_offline_bracket")) {
          double m = median(perRound, key);
          if (Double.isFinite(m)) raw.put(key + "_median", Measure.round(m));
        }
        if (offlineWide != null) {
          raw.put("offline_b" + batch + "_1x" + cores + "_items_per_s_median",
              medianOf(offlineRows, offlineScenario(1, cores), "items_per_s"));
          raw.put("offline_b" + batch + "_1x" + cores + "_batch_ms_p50_median",
              medianOf(offlineRows, offlineScenario(1, cores), "batch_ms_p50"));
        }
      }
      if (heads != null && on("served")) {
        for (String key : List.of("half_load_rate_per_s", "half_load_p99_ms", "half_load_p99_bound_ms")) {
          double m = median(perRound, key); // no bound without the offline slices (--only served)
          if (Double.isFinite(m)) raw.put(key + "_median", Measure.round(m));
        }
        raw.put("server_heads_rss_mb", heads.rssKb() / 1024.0);
      }
      if (sepSrv != null) raw.put("server_separate16_rss_mb", sepSrv.rssKb() / 1024.0);
      if (peer != null) raw.put("peer_rss_mb", peer.rssKb() / 1024.0);
      if (peerSep != null) raw.put("peer_separate16_rss_mb", peerSep.rssKb() / 1024.0);
    } finally {
      for (int i = open.size() - 1; i >= 0; i--) {
        try {
          open.get(i).close();
        } catch (Exception e) {
          System.err.println("[bench] close: " + e);
        }
      }
    }
    doc.set("offline", offlineRows);
    doc.set("warm_up_rounds", warmUpRounds);
    doc.set("warm_up_scenarios", warmUpRows);

    // a failure of one of these still writes everything measured so far
    if (on("memory")) {
      try {
        MemoryRun.run(this, doc, ratios, raw, serveArgs);
      } catch (Exception e) {
        e.printStackTrace();
        doc.put("memory_failed", String.valueOf(e.getMessage()));
      }
    }
    if (on("text")) {
      try {
        textScenario(ratios, raw, serveArgs);
      } catch (Exception e) {
        e.printStackTrace();
        doc.put("text_failed", String.valueOf(e.getMessage()));
      }
    }

    doc.put("finished", Instant.now().toString());
    ((ObjectNode) doc.get("machine")).set("neighbours", neighbours(rows, offlineRows));
    doc.set("scenarios", rows);
    String suffix = tag.isEmpty() ? "" : "-" + tag;
    Files.writeString(out.resolve("latest" + suffix + ".json"), Measure.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
    String md = "# Cerberus bench " + doc.get("started").asText() + "\n\n" + "Machine: " + doc.get("machine") + "\n\n"
        + "Settings: " + settings + "\n\n"
        + "Ratios (median of per-round ratios): " + ratios + "\n\nRaw: " + raw + "\n\n" + Measure.markdown(rows)
        + "\nOffline slices: " + offlineRows + "\n";
    Files.writeString(out.resolve("latest" + suffix + ".md"), md);
    System.out.println(md);
    return 0;
  }

  LoadSpec unary(String model, int c) {
    return unary(model, c, warmUp);
  }

  LoadSpec unary(String model, int c, double w) {
    return new LoadSpec(List.of(model), false, c, 1, 0, w, duration, 0, 0);
  }

  ObjectNode add(ObjectNode row) {
    rows.add(row);
    return row;
  }

  /** Adds a row tagged with its round (warm-up rounds, r < 1, to their own list); returns its items/s. */
  double add(int round, ObjectNode row) {
    row.put("round", round);
    (round >= 1 ? rows : warmUpRows).add(row);
    return row.get("items_per_s").asDouble();
  }

  static double median(ObjectNode perRound, String key) {
    List<Double> v = new ArrayList<>();
    perRound.forEach(r -> {
      if (r.has(key) && Double.isFinite(r.get(key).asDouble())) v.add(r.get(key).asDouble());
    });
    return median(v);
  }

  static double medianOf(ArrayNode rows, String scenario, String field) {
    List<Double> v = new ArrayList<>();
    rows.forEach(r -> {
      if (scenario.equals(r.path("scenario").asText()) && r.has(field)) v.add(r.get(field).asDouble());
    });
    return median(v);
  }

  static double median(List<Double> v) {
    if (v.isEmpty()) return Double.NaN;
    v.sort(null);
    int n = v.size();
    return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
  }

  private void textScenario(ObjectNode ratios, ObjectNode raw, List<String> serveArgs) throws Exception {
    Path m = minilm;
    if (m == null) {
      for (Path p : List.of(Path.of("../shared/models/minilm"), Path.of("/work/shared/models/minilm"))) {
        if (Files.exists(p.resolve("backbone.pt"))) m = p;
      }
    }
    if (m == null) {
      doc.put("text_skipped", "no MiniLM folder (../shared/models/minilm); pass --minilm DIR");
      return;
    }
    Path repo = work.resolve("text-repo");
    bundle("text", "--minilm", m.toString(), "--buckets", "16,32,64,128", "--out", repo.resolve("text-buckets/1").toString());
    bundle("text", "--minilm", m.toString(), "--buckets", "128", "--out", repo.resolve("text-nobuckets/1").toString());
    List<String> args = new ArrayList<>(serveArgs);
    int i = args.indexOf("--warm-up-batch-sizes");
    args.set(i + 1, java.util.stream.Stream.of(1, 8, 16, 32).filter(b -> b <= batch).map(String::valueOf)
        .collect(Collectors.joining(","))); // per bucket: the graph warms every bucket length at each size
    try (ServerProcess srv = ServerProcess.startCerberus(serverJar, repo, jvmArgs, args, work.resolve("server-text.log"));
        LoadGenerator gen = new LoadGenerator(srv.port, Workload.items("text:mixed"))) {
      ObjectNode per = doc.putObject("text_ratios_per_round");
      for (int r = 1; r <= Math.max(1, rounds - 1); r++) {
        double w = r == 1 ? warmUp : Math.min(warmUp, 3);
        double on = add(r, Measure.run("text-mixed-unary-c32-buckets", srv, gen, unary("text-buckets", 32, w), true, null));
        double off = add(r, Measure.run("text-mixed-unary-c32-no-buckets", srv, gen, unary("text-nobuckets", 32, w), true, null));
        per.put("round" + r, on / off);
      }
      raw.put("text_buckets_items_per_s_median", medianOf(rows, "text-mixed-unary-c32-buckets", "items_per_s"));
      raw.put("text_nobuckets_items_per_s_median", medianOf(rows, "text-mixed-unary-c32-no-buckets", "items_per_s"));
      List<Double> v = new ArrayList<>();
      per.forEach(x -> v.add(x.asDouble()));
      ratios.put("text_buckets_vs_nobuckets", Measure.round4(median(v)));
    }
  }

  void bundle(String... args) throws IOException, InterruptedException {
    Path target = Path.of(args[args.length - 1]);
    if (Files.exists(target.resolve("bundle.json")) || Files.exists(target.resolve("sep-15/1/bundle.json"))) return;
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", Root.resolve("bench/scripts/make_bundles.py")));
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("--backbone", backbone.toString()));
    run(cmd);
  }

  static void run(List<String> cmd) throws IOException, InterruptedException {
    int rc = new ProcessBuilder(cmd).inheritIO().start().waitFor();
    if (rc != 0) throw new IOException(String.join(" ", cmd) + " exited with " + rc);
  }

  /**
   * How much CPU processes outside the benchmark took while its slices ran, from every slice's
   * {@code other_cpu_cores}: on 2 cores, 0.1 of a core is enough to move a ratio by 5 %, so a
   * reader must see whether the run was quiet rather than be told.
   */
  static ObjectNode neighbours(ArrayNode... slices) {
    List<Double> other = new ArrayList<>();
    double niced = 0;
    for (ArrayNode a : slices) {
      for (var r : a) {
        if (r.has("other_cpu_cores")) other.add(r.get("other_cpu_cores").asDouble());
        niced = Math.max(niced, r.path("other_niced_cpu_cores").asDouble(0));
      }
    }
    ObjectNode n = Measure.JSON.createObjectNode();
    n.put("slices", other.size());
    if (other.isEmpty()) return n;
    Collections.sort(other);
    n.put("other_cpu_cores_median", Measure.round(other.get(other.size() / 2)));
    n.put("other_cpu_cores_max", Measure.round(other.get(other.size() - 1)));
    n.put("other_niced_cpu_cores_max", Measure.round(niced));
    n.put("quiet", other.get(other.size() - 1) < QUIET_OTHER_CPU_CORES);
    return n;
  }

  /** Other processes' CPU below which every slice counts as run on a quiet machine. */
  static final double QUIET_OTHER_CPU_CORES = 0.1;

  static ObjectNode machine() {
    ObjectNode m = Measure.JSON.createObjectNode();
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put("java", System.getProperty("java.version"));
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    try {
      Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
          .ifPresent(l -> m.put("cpu", l.substring(l.indexOf(':') + 1).trim()));
      m.put("mem_total", Files.readAllLines(Path.of("/proc/meminfo")).get(0).replaceAll("\\s+", " "));
      m.put("loadavg_at_start", Files.readString(Path.of("/proc/loadavg")).trim());
    } catch (IOException ignored) {
      // not Linux
    }
    m.put("jvm_uptime_ms", ManagementFactory.getRuntimeMXBean().getUptime());
    m.put("nice", CpuClock.niceOfSelf()); // run-full.sh runs at -10 where permitted; children inherit it
    return m;
  }
}
