package dev.cerberus.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Issue 13 item 4 (throughput): one MiniLM trunk + N heads with own fine-tuned tops in one
 * bundle, (b), against N separately fine-tuned whole MiniLMs, (c), served by ONE server under
 * the same closed-loop load, slices alternating (c), (b), (c), (b) ... for several rounds.
 * An item of (b) is answered by all N heads in one request; an item of (c) is sent to all N
 * bundles (N requests, done when all answered). A ratio divides each (b) slice by the mean of
 * the (c) slices right before and after it, so the machine's drift cancels. The same run times
 * the pure forward cost (offline child JVMs, trunk once + N tops vs N whole backbones) so a
 * shortfall can be put on serving or on compute. Bundles: bench/scripts/make_text_tops_bundles.py.
 */
@Command(name = "text-tops", mixinStandardHelpOptions = true,
    description = "Shared trunk + per-head tops (one bundle) vs separate whole models, one server.")
final class TextTopsRun implements Callable<Integer> {

  @Option(names = "--out", defaultValue = "bench/results") Path out;
  @Option(names = "--tag", defaultValue = "", description = "Suffix of text-tops[-TAG].json/.md.") String tag;
  @Option(names = "--work", defaultValue = "bench/target/text-tops") Path work;
  @Option(names = "--repo", description = "Model repository with text-tops-s<N> and text-full-<i> bundles "
      + "(default: WORK/repo, built by the script where missing).") Path repo;
  @Option(names = "--minilm", description = "MiniLM folder for the script (its default: build/minilm, "
      + "else ../shared/models/minilm).") Path minilm;
  @Option(names = "--splits", split = ",", defaultValue = "4",
      description = "Split layers of (b) to measure, e.g. 4,3,5 (4 = the shipped trunk.pt/top.pt).")
  List<Integer> splits;
  @Option(names = "--server-jar", defaultValue = "server/target/cerberus-server.jar") Path serverJar;
  @Option(names = "--server-jvm-args", split = " ", defaultValue = "-Xmx3g -Dai.djl.pytorch.graph_optimizer=false")
  List<String> jvmArgs;
  @Option(names = "--workload", defaultValue = "text:glosses",
      description = "text:glosses (WordNet, 12-36 words) or text:mid (generated, same lengths).") String workload;
  @Option(names = "--rounds", defaultValue = "4") int rounds;
  @Option(names = "--warm-rounds", defaultValue = "1", description = "Rounds run first and not counted.") int warmRounds;
  @Option(names = "--warm-up", defaultValue = "10", description = "Warm-up s of each slice in the first round (later 3).")
  double warmUp;
  @Option(names = "--duration", defaultValue = "10", description = "Measured seconds of each slice.") double duration;
  @Option(names = "--batch", defaultValue = "16", description = "Server max batch size = offline batch size.") int batch;
  @Option(names = "--queue-delay-ms", defaultValue = "15") double queueDelayMs;
  @Option(names = "--inference-threads", defaultValue = "2",
      description = "Per model version; intra-op threads = cores / this (the server default layout).")
  int inferenceThreads;
  @Option(names = "--concurrency", defaultValue = "32", description = "Closed-loop logical requests in flight.")
  int concurrency;
  @Option(names = "--offline", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Time the pure forward cost too (offline child JVMs).") boolean offline;

  private final ArrayNode rows = Measure.JSON.createArrayNode();
  private final ArrayNode offlineRows = Measure.JSON.createArrayNode();
  private final ArrayNode warmRows = Measure.JSON.createArrayNode();

  static String tops(int split) {
    return "text-tops-s" + split;
  }

  @Override
  public Integer call() throws Exception {
    out = Root.resolve(out);
    work = Root.resolve(work);
    serverJar = Root.resolve(serverJar);
    repo = repo == null ? work.resolve("repo") : Root.resolve(repo);
    Files.createDirectories(work);
    for (int s : splits) buildIfMissing(s);
    List<String> full = separateBundles(repo);
    if (full.isEmpty()) throw new IOException(repo + " has no text-full-<i> bundles");
    int intra = Math.max(1, Runtime.getRuntime().availableProcessors() / inferenceThreads);
    List<String> serveArgs = List.of("--max-batch-size", String.valueOf(batch), "--max-queue-delay-ms",
        String.valueOf(queueDelayMs), "--warm-up-batch-sizes", warmSizes(),
        "--inference-threads", String.valueOf(inferenceThreads), "--intra-op-threads", String.valueOf(intra));
    ObjectNode doc = Measure.JSON.createObjectNode();
    doc.put("started", Instant.now().toString());
    doc.set("machine", FullRun.machine());
    doc.set("settings", settings(full, serveArgs, intra));
    List<AutoCloseable> open = new ArrayList<>();
    try {
      OfflineChild offC = null;
      Map<Integer, OfflineChild> offB = new LinkedHashMap<>();
      if (offline) {
        List<String> ojvm = FullRun.withThreads(jvmArgs, intra);
        offC = new OfflineChild(serverJar, ojvm, full.stream().map(n -> repo.resolve(n + "/1")).toList(), workload,
            warmSizes(), work.resolve("offline-full.log"));
        open.add(offC);
        for (int s : splits) {
          OfflineChild o = new OfflineChild(serverJar, ojvm, repo.resolve(tops(s) + "/1"), workload, warmSizes(),
              work.resolve("offline-" + tops(s) + ".log"));
          open.add(o);
          offB.put(s, o);
        }
        doc.set("token_lengths", offC.tokens());
      }
      ServerProcess srv = ServerProcess.startCerberus(serverJar, repo, jvmArgs, serveArgs, work.resolve("server.log"));
      open.add(srv);
      LoadGenerator gen = new LoadGenerator(srv.port, Workload.items(workload));
      open.add(gen);
      doc.put("loadavg_after_start", Files.readString(Path.of("/proc/loadavg")).trim());
      ObjectNode perRound = doc.putObject("per_round");
      ObjectNode warmRounds = doc.putObject("warm_up_rounds");
      TextTopsRounds rounder = new TextTopsRounds(this, srv, gen, full, offC, offB);
      for (int r = 1 - warmRoundCount(); r <= rounds; r++) {
        double w = r == 1 - warmRoundCount() ? warmUp : Math.min(warmUp, 3);
        (r >= 1 ? perRound : warmRounds).set("round" + r, rounder.round(r, w));
      }
      doc.put("server_rss_mb", srv.rssKb() / 1024.0);
      TextTopsReport.summarise(doc, perRound, splits, full.size());
    } finally {
      for (int i = open.size() - 1; i >= 0; i--) {
        try {
          open.get(i).close();
        } catch (Exception e) {
          System.err.println("[bench] close: " + e);
        }
      }
    }
    doc.put("finished", Instant.now().toString());
    ((ObjectNode) doc.get("machine")).set("neighbours", FullRun.neighbours(rows, offlineRows));
    doc.set("offline", offlineRows);
    doc.set("scenarios", rows);
    doc.set("warm_up_scenarios", warmRows);
    return TextTopsReport.write(doc, out, tag.isEmpty() ? "text-tops" : "text-tops-" + tag, rows);
  }

  private int warmRoundCount() {
    return Math.max(0, warmRounds);
  }

  /** Warm-up batch sizes: the graph warms every bucket length at each, so keep them few. */
  String warmSizes() {
    return String.join(",", Stream.of(1, 8, 16, 32).filter(b -> b < batch).map(String::valueOf).toList())
        + (batch > 1 ? "," : "") + batch;
  }

  private ObjectNode settings(List<String> full, List<String> serveArgs, int intra) {
    ObjectNode s = Measure.JSON.createObjectNode();
    s.put("repo", repo.toString());
    s.put("b_bundles", String.join(",", splits.stream().map(TextTopsRun::tops).toList()));
    s.put("c_bundles", String.join(",", full));
    s.put("heads", full.size());
    s.put("workload", workload);
    s.put("max_batch_size", batch);
    s.put("max_queue_delay_ms", queueDelayMs);
    s.put("inference_threads", inferenceThreads);
    s.put("intra_op_threads", intra);
    s.put("concurrency", concurrency);
    s.put("warm_up_s", warmUp);
    s.put("duration_s", duration);
    s.put("rounds", rounds);
    s.put("warm_rounds", warmRoundCount());
    s.put("server_jvm_args", String.join(" ", jvmArgs));
    s.put("serve_args", String.join(" ", serveArgs));
    s.put("method", "one server holds every bundle; per round the served slices run (c) (b_s1) (c) (b_s2) (c) ..."
        + " and each (b) slice is divided by the mean of the (c) slices right before and after it; (b) = 1 request"
        + " per item to the one bundle (all heads answer), (c) = the item sent to every text-full bundle, done when"
        + " all answered; same closed loop of " + concurrency + " logical requests, 1 item each, for both."
        + " Offline: child JVMs time forward of prepared batches in the server's layout (" + inferenceThreads
        + " lanes x " + intra + " intra-op threads): (b) = one bundle (trunk once + own tops), (c) = each batch"
        + " through every text-full bundle in turn; the (c) offline slice brackets the (b) ones the same way."
        + " Reported values are medians of the per-round ratios.");
    return s;
  }

  /** The text-full-* bundle names of the repository, sorted. */
  static List<String> separateBundles(Path repo) throws IOException {
    if (!Files.isDirectory(repo)) return List.of();
    try (Stream<Path> s = Files.list(repo)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("text-full-"))
          .filter(n -> Files.exists(repo.resolve(n + "/1/bundle.json"))).sorted().toList();
    }
  }

  private void buildIfMissing(int split) throws IOException, InterruptedException {
    if (Files.exists(repo.resolve(tops(split) + "/1/bundle.json"))) return;
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3",
        Root.resolve("bench/scripts/make_text_tops_bundles.py"), "--split-layer", String.valueOf(split),
        "--out", repo.toString()));
    if (minilm != null) cmd.addAll(List.of("--minilm", Root.resolve(minilm).toString()));
    // run from the repository root so the script's default MiniLM folders resolve
    int rc = new ProcessBuilder(cmd).directory(Root.root().toFile()).inheritIO().start().waitFor();
    if (rc != 0) throw new IOException(String.join(" ", cmd) + " exited with " + rc);
  }

  /** Adds a row tagged with its round (warm-up rounds to their own list); returns items/s. */
  double add(int round, ObjectNode row, boolean offlineRow) {
    row.put("round", round);
    (round < 1 ? warmRows : offlineRow ? offlineRows : rows).add(row);
    return row.get("items_per_s").asDouble();
  }
}
