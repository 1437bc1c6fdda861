package dev.cerberus.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cerberus.proto.v1.Item;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cerberus bench deadline}: goodput under deadline overload (issue 15 defect 3), before
 * and after deadline-aware admission, side by side in one run. Two servers on the same bundle,
 * one with {@code --deadline-aware-admission false} (expiry-only: items are dropped only once
 * their deadline has passed) and one with it on. Each round, for each server in turn: a
 * closed-loop slice without deadlines measures its saturated throughput X; then an open-loop
 * slice offers {@code --overload} x X items/s with {@code --deadline-ms} deadlines and counts
 * the items delivered OK within their deadline. Goodput = on-time items/s / X, per round; the
 * report gives every round and the median.
 */
@Command(name = "deadline", mixinStandardHelpOptions = true,
    description = "Goodput under deadline overload, expiry-only vs deadline-aware admission.")
final class DeadlineRun implements Callable<Integer> {

  @Option(names = "--models", required = true) Path models;
  @Option(names = "--model", required = true) String model;
  @Option(names = "--workload", defaultValue = "images:examples/images/fashion") String workload;
  @Option(names = "--items", defaultValue = "1", description = "Items per request.") int items;
  @Option(names = "--concurrency", defaultValue = "32", description = "Closed-loop callers of the saturation slice.")
  int concurrency;
  @Option(names = "--deadline-ms", defaultValue = "300") long deadlineMs;
  @Option(names = "--overload", defaultValue = "2", description = "Offered load as a multiple of the saturated throughput.")
  double overload;
  @Option(names = "--saturate-seconds", defaultValue = "10") double saturateSeconds;
  @Option(names = "--seconds", defaultValue = "15", description = "Length of each overload slice.") double seconds;
  @Option(names = "--warm-up", defaultValue = "15") double warmUp;
  @Option(names = "--rounds", defaultValue = "2") int rounds;
  @Option(names = "--server-jar", defaultValue = "server/target/cerberus-server.jar") Path serverJar;
  @Option(names = "--server-jvm-args", split = " ", defaultValue = "-Xmx2g -Dai.djl.pytorch.graph_optimizer=false")
  List<String> jvmArgs = new ArrayList<>();
  @Option(names = "--server-args", split = " ", description = "Extra `serve` flags for both servers.")
  List<String> serverArgs = new ArrayList<>();
  @Option(names = "--out", defaultValue = "bench/results/deadline-goodput") Path out;

  private record Arm(String name, ServerProcess server, LoadGenerator closed, DeadlineOpenLoop open) {}

  @Override
  public Integer call() throws Exception {
    List<Item> load = Workload.items(workload);
    Path logs = Root.resolve(Path.of("bench/target/deadline"));
    List<Arm> arms = new ArrayList<>();
    try {
      for (boolean aware : new boolean[] {false, true}) {
        String name = aware ? "deadline-aware" : "expiry-only";
        List<String> args = new ArrayList<>(serverArgs);
        args.addAll(List.of("--deadline-aware-admission", String.valueOf(aware)));
        ServerProcess srv = ServerProcess.startCerberus(Root.resolve(serverJar), Root.resolve(models),
            jvmArgs, args, logs.resolve(name + ".log"));
        arms.add(new Arm(name, srv, new LoadGenerator(srv.port, load), new DeadlineOpenLoop(srv.port, load)));
      }
      for (Arm arm : arms) saturate(arm, warmUp); // warm every batch shape before measuring
      ArrayNode slices = Measure.JSON.createArrayNode();
      for (int r = 0; r < rounds; r++) {
        for (Arm arm : arms) slices.add(round(arm, r));
      }
      return write(slices);
    } finally {
      for (Arm arm : arms) {
        arm.closed.close();
        arm.open.close();
        arm.server.close();
      }
    }
  }

  private double saturate(Arm arm, double secs) throws Exception {
    LoadSpec spec = new LoadSpec(List.of(model), false, concurrency, items, 0, 1, secs, 0, 0);
    return arm.closed.run(spec, null, null).completedItemsPerSecond();
  }

  private ObjectNode round(Arm arm, int round) throws Exception {
    double x = saturate(arm, saturateSeconds);
    Map<String, Double> before = arm.server.scrape();
    DeadlineOpenLoop.Result r =
        arm.open.run(model, items, overload * x / items, seconds, deadlineMs);
    Map<String, Double> after = arm.server.scrape();
    ObjectNode row = Measure.JSON.createObjectNode();
    row.put("arm", arm.name).put("round", round + 1);
    row.put("saturated_items_per_s", Measure.round(x));
    row.put("offered_items_per_s", Measure.round(r.offeredItems() / r.seconds()));
    row.put("on_time_items_per_s", Measure.round(r.onTimePerSecond()));
    row.put("goodput", Measure.round4(r.onTimePerSecond() / x));
    row.put("ok_p50_ms", Measure.round(r.okP50Ms())).put("ok_p99_ms", Measure.round(r.okP99Ms()));
    ObjectNode failed = row.putObject("failed_items_by_code");
    r.failedItemsByCode().forEach(failed::put);
    ObjectNode server = row.putObject("server_counter_deltas");
    for (String c : List.of("cerberus_items_total", "cerberus_items_dropped_expired_total",
        "cerberus_items_dropped_late_total", "cerberus_items_shed_deadline_total",
        "cerberus_items_rejected_queue_full_total")) {
      server.put(c, Math.round(ServerProcess.sum(after, c) - ServerProcess.sum(before, c)));
    }
    long computed = server.get("cerberus_items_total").asLong();
    row.put("computed_not_delivered_on_time", computed - r.onTimeItems());
    System.out.println(row);
    return row;
  }

  private int write(ArrayNode slices) throws Exception {
    ObjectNode result = Measure.JSON.createObjectNode();
    ObjectNode setup = result.putObject("setup");
    setup.put("model", model).put("workload", workload).put("items_per_request", items)
        .put("saturation_concurrency", concurrency).put("deadline_ms", deadlineMs)
        .put("overload", overload).put("saturate_seconds", saturateSeconds)
        .put("overload_seconds", seconds).put("rounds", rounds)
        .put("server_args", String.join(" ", serverArgs))
        .put("server_jvm_args", String.join(" ", jvmArgs))
        .put("cores", Runtime.getRuntime().availableProcessors());
    ObjectNode medians = result.putObject("median_goodput");
    StringBuilder md = new StringBuilder("| arm | round | saturated items/s | offered items/s | on time items/s"
        + " | goodput | OK p99 ms | computed, not on time |\n|---|---|---|---|---|---|---|---|\n");
    for (String arm : List.of("expiry-only", "deadline-aware")) {
      List<Double> g = new ArrayList<>();
      for (var s : slices) {
        if (!s.get("arm").asText().equals(arm)) continue;
        g.add(s.get("goodput").asDouble());
        md.append(String.format("| %s | %d | %.0f | %.0f | %.0f | %.0f %% | %.0f | %d |%n", arm,
            s.get("round").asInt(), s.get("saturated_items_per_s").asDouble(),
            s.get("offered_items_per_s").asDouble(), s.get("on_time_items_per_s").asDouble(),
            100 * s.get("goodput").asDouble(), s.get("ok_p99_ms").asDouble(),
            s.get("computed_not_delivered_on_time").asLong()));
      }
      g.sort(null);
      medians.put(arm, g.isEmpty() ? Double.NaN
          : g.size() % 2 == 1 ? g.get(g.size() / 2) : (g.get(g.size() / 2 - 1) + g.get(g.size() / 2)) / 2);
    }
    result.set("slices", slices);
    Path dir = Root.resolve(out.getParent() == null ? Path.of(".") : out.getParent());
    Files.createDirectories(dir);
    String base = out.getFileName().toString();
    Files.writeString(dir.resolve(base + ".json"),
        Measure.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result));
    Files.writeString(dir.resolve(base + ".md"), md.toString());
    System.out.print(md);
    System.out.println("median goodput: " + medians);
    return 0;
  }
}
