package dev.cerberus.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
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
  @Option(names = "--warm-up", defaultValue = "10") double warmUp;
  @Option(names = "--duration", defaultValue = "20") double duration;
  @Option(names = "--batch", defaultValue = "32", description = "Server max batch size = offline batch size.") int batch;
  @Option(names = "--queue-delay-ms", defaultValue = "5") double queueDelayMs;
  @Option(names = "--memory-requests", defaultValue = "200000") long memoryRequests;
  @Option(names = "--server-jvm-args", split = " ", defaultValue = "-Xmx2g -Dai.djl.pytorch.graph_optimizer=false")
  List<String> jvmArgs;
  @Option(names = "--only", split = ",", description = "Subset: offline,served,heads,separate,peer,memory,text")
  List<String> only;
  @Option(names = "--tag", defaultValue = "", description = "Suffix of the result file names (latest: none).") String tag;

  private final ArrayNode rows = Measure.JSON.createArrayNode();
  private final ObjectNode doc = Measure.JSON.createObjectNode();

  boolean on(String s) {
    return only == null || only.contains(s);
  }

  @Override
  public Integer call() throws Exception {
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
    settings.put("intra_op_threads", Runtime.getRuntime().availableProcessors());
    String warmSizes = IntStream.rangeClosed(1, batch).mapToObj(String::valueOf).collect(Collectors.joining(","));
    List<String> serveArgs = List.of("--max-batch-size", String.valueOf(batch), "--max-queue-delay-ms",
        String.valueOf(queueDelayMs), "--warm-up-batch-sizes", warmSizes);
    settings.put("serve_args", String.join(" ", serveArgs));
    String imageLoad = "images:" + images;

    Path repo = work.resolve("repo");
    Path sep = work.resolve("separate");
    for (int h : new int[] {1, 4, 16}) bundle("image", "--heads", String.valueOf(h), "--out", repo.resolve("heads" + h + "/1").toString());
    if (on("separate") || on("peer")) bundle("separate", "--count", "16", "--out", sep.toString());
    ObjectNode ratios = doc.putObject("ratios");
    ObjectNode raw = doc.putObject("raw");

    double offline32 = Double.NaN;
    double batchMs = Double.NaN;
    if (on("offline") || on("served")) {
      ObjectNode off = BenchMain.offline(serverJar, jvmArgs, repo.resolve("heads16/1"), imageLoad, "1,8," + batch,
          duration, warmUp);
      doc.set("offline", off);
      for (var r : off.get("results")) {
        if (r.get("batch_size").asInt() == batch) {
          offline32 = r.get("items_per_s").asDouble();
          batchMs = r.get("batch_ms_p50").asDouble();
        }
      }
      raw.put("offline_b" + batch + "_items_per_s", offline32);
      raw.put("offline_b" + batch + "_batch_ms_p50", batchMs);
    }

    double unary16 = Double.NaN;
    if (on("served") || on("heads")) {
      try (ServerProcess srv = ServerProcess.startCerberus(serverJar, repo, jvmArgs, serveArgs, work.resolve("server-heads.log"));
          LoadGenerator gen = new LoadGenerator(srv.port, Workload.items(imageLoad))) {
        if (on("served")) {
          ObjectNode s = add(Measure.run("served-stream-heads16", srv, gen,
              new LoadSpec(List.of("heads16"), true, 2, batch, 4 * batch, warmUp, duration, 0, 0), true, null));
          raw.put("served_stream_items_per_s", s.get("items_per_s").asDouble());
          ratios.put("served_stream_vs_offline", Measure.round4(s.get("items_per_s").asDouble() / offline32));
        }
        ObjectNode u = add(Measure.run("unary-c32-heads16", srv, gen, unary("heads16", 32), true, null));
        unary16 = u.get("items_per_s").asDouble();
        raw.put("unary_c32_heads16_items_per_s", unary16);
        if (on("served")) ratios.put("unary_c32_vs_offline", Measure.round4(unary16 / offline32));
        if (on("heads")) {
          double h1 = add(Measure.run("unary-c32-heads1", srv, gen, unary("heads1", 32), true, null)).get("items_per_s").asDouble();
          double h4 = add(Measure.run("unary-c32-heads4", srv, gen, unary("heads4", 32), true, null)).get("items_per_s").asDouble();
          raw.put("unary_c32_heads1_items_per_s", h1);
          raw.put("unary_c32_heads4_items_per_s", h4);
          ratios.put("heads16_vs_heads1", Measure.round4(unary16 / h1));
          ratios.put("heads4_vs_heads1", Measure.round4(h4 / h1));
        }
        if (on("served")) {
          // latency at half of the saturated unary throughput, open loop
          double rate = unary16 / 2;
          ObjectNode half = add(Measure.run("unary-half-load-heads16", srv, gen,
              new LoadSpec(List.of("heads16"), false, 32, 1, 0, warmUp / 2, duration, 0, rate), true, null));
          double p99 = half.get("latency_ms_p99").asDouble();
          double bound = queueDelayMs + 2 * batchMs;
          raw.put("half_load_rate_per_s", Measure.round(rate));
          raw.put("half_load_p99_ms", p99);
          raw.put("half_load_p99_bound_ms", Measure.round(bound));
          ratios.put("half_load_p99_vs_bound", Measure.round4(p99 / bound));
        }
        raw.put("server_heads_rss_mb", srv.rssKb() / 1024.0);
      }
    }

    if (on("separate")) {
      List<String> names = IntStream.range(0, 16).mapToObj(i -> String.format("sep-%02d", i)).toList();
      try (ServerProcess srv = ServerProcess.startCerberus(serverJar, sep, jvmArgs, serveArgs, work.resolve("server-separate.log"));
          LoadGenerator gen = new LoadGenerator(srv.port, Workload.items(imageLoad))) {
        ObjectNode s = add(Measure.run("unary-c32-separate16", srv, gen,
            new LoadSpec(names, false, 32, 1, 0, warmUp, duration, 0, 0), true, null));
        raw.put("unary_c32_separate16_items_per_s", s.get("items_per_s").asDouble());
        raw.put("server_separate16_rss_mb", srv.rssKb() / 1024.0);
        ratios.put("heads16_vs_separate16", Measure.round4(unary16 / s.get("items_per_s").asDouble()));
      }
    }

    if (on("peer")) {
      Path stubs = work.resolve("peer-stubs");
      run(List.of("sh", "bench/peer/gen_stubs.sh", stubs.toString()));
      Path peerOne = work.resolve("peer-repo");
      Files.createDirectories(peerOne);
      Path link = peerOne.resolve("heads16");
      if (!Files.exists(link)) Files.createSymbolicLink(link, repo.resolve("heads16").toAbsolutePath());
      try (ServerProcess srv = ServerProcess.startPeer(Path.of("bench/peer/peer_server.py"), stubs, peerOne, List.of(),
          work.resolve("peer.log")); LoadGenerator gen = new LoadGenerator(srv.port, Workload.items(imageLoad))) {
        ObjectNode s = add(Measure.run("peer-python-unary-c32-heads16", srv, gen, unary("heads16", 32), false, null));
        raw.put("peer_unary_c32_items_per_s", s.get("items_per_s").asDouble());
        ratios.put("vs_python_peer_c32", Measure.round4(unary16 / s.get("items_per_s").asDouble()));
      }
      List<String> names = IntStream.range(0, 16).mapToObj(i -> String.format("sep-%02d", i)).toList();
      try (ServerProcess srv = ServerProcess.startPeer(Path.of("bench/peer/peer_server.py"), stubs, sep, List.of(),
          work.resolve("peer-separate.log")); LoadGenerator gen = new LoadGenerator(srv.port, Workload.items(imageLoad))) {
        ObjectNode s = add(Measure.run("peer-python-unary-c32-separate16", srv, gen,
            new LoadSpec(names, false, 32, 1, 0, warmUp, duration, 0, 0), false, null));
        raw.put("peer_separate16_items_per_s", s.get("items_per_s").asDouble());
        ratios.put("vs_python_peer_separate16_c32", Measure.round4(unary16 / s.get("items_per_s").asDouble()));
      }
    }

    if (on("memory")) MemoryRun.run(this, doc, ratios, raw, serveArgs);

    if (on("text")) textScenario(ratios, raw, serveArgs);

    doc.put("finished", Instant.now().toString());
    doc.set("scenarios", rows);
    String suffix = tag.isEmpty() ? "" : "-" + tag;
    Files.writeString(out.resolve("latest" + suffix + ".json"), Measure.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
    String md = "# Cerberus bench " + doc.get("started").asText() + "\n\n" + "Machine: " + doc.get("machine") + "\n\n"
        + "Ratios: " + ratios + "\n\n" + Measure.markdown(rows);
    Files.writeString(out.resolve("latest" + suffix + ".md"), md);
    System.out.println(md);
    return 0;
  }

  LoadSpec unary(String model, int c) {
    return new LoadSpec(List.of(model), false, c, 1, 0, warmUp, duration, 0, 0);
  }

  ObjectNode add(ObjectNode row) {
    rows.add(row);
    return row;
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
    args.set(i + 1, "1,8,16,32"); // per bucket; the graph warms every bucket length at each size
    try (ServerProcess srv = ServerProcess.startCerberus(serverJar, repo, jvmArgs, args, work.resolve("server-text.log"));
        LoadGenerator gen = new LoadGenerator(srv.port, Workload.items("text:mixed"))) {
      double on = add(Measure.run("text-mixed-unary-c32-buckets", srv, gen, unary("text-buckets", 32), true, null))
          .get("items_per_s").asDouble();
      double off = add(Measure.run("text-mixed-unary-c32-no-buckets", srv, gen, unary("text-nobuckets", 32), true, null))
          .get("items_per_s").asDouble();
      raw.put("text_buckets_items_per_s", on);
      raw.put("text_nobuckets_items_per_s", off);
      ratios.put("text_buckets_vs_nobuckets", Measure.round4(on / off));
    }
  }

  void bundle(String... args) throws IOException, InterruptedException {
    Path target = Path.of(args[args.length - 1]);
    if (Files.exists(target.resolve("bundle.json")) || Files.exists(target.resolve("sep-15/1/bundle.json"))) return;
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", "bench/scripts/make_bundles.py"));
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("--backbone", backbone.toString()));
    run(cmd);
  }

  static void run(List<String> cmd) throws IOException, InterruptedException {
    int rc = new ProcessBuilder(cmd).inheritIO().start().waitFor();
    if (rc != 0) throw new IOException(String.join(" ", cmd) + " exited with " + rc);
  }

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
    m.put("shared", "the machine was shared with other engineers' builds and tests during the run");
    m.put("jvm_uptime_ms", ManagementFactory.getRuntimeMXBean().getUptime());
    return m;
  }
}
