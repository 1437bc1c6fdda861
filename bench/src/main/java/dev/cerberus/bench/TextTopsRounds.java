package dev.cerberus.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * One round of {@link TextTopsRun}: offline slices (c), (b_s)..., (c), then served slices (c),
 * (b_s1), (c), (b_s2), (c) ... Every (b) slice is compared with the mean of the (c) slices
 * next to it: on this shared 2-core machine speed drifts 10-20 % within a minute, and a
 * bracket cancels a linear drift.
 */
final class TextTopsRounds {

  private final TextTopsRun run;
  private final ServerProcess srv;
  private final LoadGenerator gen;
  private final List<String> full;
  private final OfflineChild offC;
  private final Map<Integer, OfflineChild> offB;

  TextTopsRounds(TextTopsRun run, ServerProcess srv, LoadGenerator gen, List<String> full, OfflineChild offC,
      Map<Integer, OfflineChild> offB) {
    this.run = run;
    this.srv = srv;
    this.gen = gen;
    this.full = full;
    this.offC = offC;
    this.offB = offB;
  }

  /** Runs round {@code r} with {@code w} seconds of warm-up per slice; returns its ratios. */
  ObjectNode round(int r, double w) throws Exception {
    ObjectNode round = Measure.JSON.createObjectNode();
    round.put("loadavg", java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim());
    System.err.printf("[bench] text-tops round %d/%d (load %s)%n", r, run.rounds, round.get("loadavg").asText());
    if (offC != null) offlineSlices(r, w, round);
    double before = served(r, w, "served-c-separate" + full.size(), full);
    for (int s : run.splits) {
      String name = TextTopsRun.tops(s);
      double b = served(r, w, "served-b-" + name, List.of(name));
      double after = served(r, w, "served-c-separate" + full.size(), full);
      double c = (before + after) / 2;
      round.put("served_b_items_per_s_s" + s, b);
      round.put("served_c_items_per_s_s" + s, Measure.round(c));
      round.put("served_ratio_s" + s, Measure.round4(b / c));
      before = after;
    }
    return round;
  }

  /** Closed-loop unary slice; then waits until the server is idle so no work spills over. */
  private double served(int r, double w, String scenario, List<String> models) throws Exception {
    LoadSpec spec = new LoadSpec(models, false, run.concurrency, 1, 0, w, run.duration, 0, 0);
    ObjectNode row = Measure.run(scenario, srv, gen, spec, true, null);
    row.put("drain_s", Measure.round(srv.awaitIdle(0.1, 30)));
    run.add(r, row, false);
    // answered inside the window, whenever sent: latency here is seconds on a busy 2-core box,
    // and counting only requests that started and ended inside the slice would favour (b)
    return row.get("completed_items_per_s").asDouble();
  }

  private void offlineSlices(int r, double w, ObjectNode round) throws IOException {
    double c1 = offlineSlice(offC, r, w, "offline-c-separate" + full.size());
    ObjectNode b = Measure.JSON.createObjectNode();
    for (int s : run.splits) b.put(String.valueOf(s), offlineSlice(offB.get(s), r, w, "offline-b-" + TextTopsRun.tops(s)));
    double c2 = offlineSlice(offC, r, w, "offline-c-separate" + full.size());
    double c = (c1 + c2) / 2;
    round.put("offline_c_items_per_s", Measure.round(c));
    for (int s : run.splits) {
      double bs = b.get(String.valueOf(s)).asDouble();
      round.put("offline_b_items_per_s_s" + s, Measure.round(bs));
      round.put("offline_ratio_s" + s, Measure.round4(bs / c));
    }
  }

  /** One offline slice in the server's layout, with who used the CPU meanwhile. */
  private double offlineSlice(OfflineChild child, int r, double w, String scenario) throws IOException {
    CpuClock.Machine m0 = CpuClock.machine();
    double c0 = CpuClock.process(String.valueOf(child.pid()));
    long t0 = System.nanoTime();
    ObjectNode o = child.run(run.batch, run.duration, w, run.inferenceThreads);
    double wall = (System.nanoTime() - t0) / 1e9;
    double cores = (CpuClock.process(String.valueOf(child.pid())) - c0) / wall;
    o.put("scenario", scenario);
    // CPU over the whole call (warm-up included): the child's share vs everything else
    o.put("offline_cpu_cores", Measure.round(cores));
    o.put("other_cpu_cores", Measure.round((CpuClock.machine().busy() - m0.busy()) / wall - cores));
    System.err.printf("[bench] %s B=%d: %.1f items/s, batch p50 %.1f ms, other CPU %.2f%n", scenario, run.batch,
        o.get("items_per_s").asDouble(), o.get("batch_ms_p50").asDouble(), o.get("other_cpu_cores").asDouble());
    return run.add(r, o, true);
  }
}
