package dev.cerberus.bench;

import dev.cerberus.model.engine.MallocTuning;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cerberus.model.GraphOptions;
import dev.cerberus.model.ServableModel;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.model.input.ModelInput;
import dev.cerberus.model.input.PreparedInput;
import dev.cerberus.proto.v1.Item;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The offline ceiling: the same graph in-process, no gRPC. Runs in its own JVM (launched by the
 * harness with the server jar on the class path, so engine, natives and settings are the
 * server's) while no server runs. For each batch size: warm up, then time {@code forward} on
 * batches of already prepared items (the ceiling), and separately prepare + forward on one
 * thread. Prints one JSON object on stdout.
 *
 * <p>Args: bundleDir workload batchSizes(comma) secondsPerSize warmUpSeconds
 */
public final class OfflineMain {

  private OfflineMain() {}

  public static void main(String[] args) throws Exception {
    body(args);
  }

  interface Body {
    void run() throws Exception;
  }

  /**
   * Runs the timed part the way the server does: the model is loaded on the main thread (where
   * DJL initialises the engine and its per-thread settings) and forward runs on another thread
   * (the server's inference thread). -Dcerberus.bench.offline.same-thread=true keeps it on main.
   */
  static void onInferenceThread(Body body) throws Exception {
    if (Boolean.getBoolean("cerberus.bench.offline.same-thread")) {
      body.run();
      return;
    }
    Exception[] failure = new Exception[1];
    Thread t = new Thread(() -> {
      try {
        if (Boolean.getBoolean("cerberus.bench.offline.apply-thread-settings")) applyThreadSettings();
        body.run();
      } catch (Exception e) {
        failure[0] = e;
      }
    }, "offline-inference");
    t.start();
    t.join();
    if (failure[0] != null) throw failure[0];
  }

  static void body(String[] args) throws Exception {
    // the server's native-memory defaults (cerberus.engine.malloc-*), so the ceiling runs on the
    // same allocator behaviour; -Dcerberus.bench.offline.malloc=default measures glibc's own
    if (!"default".equals(System.getProperty("cerberus.bench.offline.malloc"))) {
      System.err.println("offline: native buffer reuse " + MallocTuning.applyDefaults());
    }
    Path bundle = Path.of(args[0]);
    List<Item> items = Workload.items(args[1]);
    int[] sizes = Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray();
    boolean interactive = "interactive".equals(args[3]);
    double seconds = interactive ? 0 : Double.parseDouble(args[3]);
    double warmUp = interactive ? 0 : Double.parseDouble(args[4]);
    ObjectMapper json = new ObjectMapper();
    ObjectNode out = json.createObjectNode();
    out.put("bundle", bundle.toString());
    out.put("workload", args[1]);
    out.put("intra_op_threads", System.getProperty("ai.djl.pytorch.num_threads"));
    out.put("graph_optimizer", System.getProperty("ai.djl.pytorch.graph_optimizer", "true (default)"));
    ArrayNode results = out.putArray("results");
    if (interactive) {
      interactive(args[0], items, sizes, json);
      return;
    }
    try (ServableModel model = ServableModel.load(bundle, new GraphOptions("cpu", sizes))) {
      InputLimits limits = InputLimits.defaults();
      List<ModelInput> inputs = new ArrayList<>();
      for (Item it : items) inputs.add(toInput(it));
      List<PreparedInput> prepared = new ArrayList<>();
      for (ModelInput in : inputs) prepared.add(model.prepare(in, limits));
      onInferenceThread(() -> {
      for (int b : sizes) {
        List<List<PreparedInput>> batches = new ArrayList<>();
        List<List<ModelInput>> raw = new ArrayList<>();
        for (int s = 0; s < 16; s++) {
          List<PreparedInput> pb = new ArrayList<>(b);
          List<ModelInput> rb = new ArrayList<>(b);
          for (int i = 0; i < b; i++) {
            pb.add(prepared.get((s * b + i) % prepared.size()));
            rb.add(inputs.get((s * b + i) % inputs.size()));
          }
          batches.add(pb);
          raw.add(rb);
        }
        long warmEnd = System.nanoTime() + (long) (warmUp * 1e9);
        int s = 0;
        while (System.nanoTime() < warmEnd) model.forward(batches.get(s++ % batches.size()));
        // forward only (prepared items): the ceiling
        long t0 = System.nanoTime();
        long n = 0;
        List<Double> batchMs = new ArrayList<>();
        while (System.nanoTime() - t0 < seconds * 1e9) {
          long b0 = System.nanoTime();
          model.forward(batches.get(s++ % batches.size()));
          batchMs.add((System.nanoTime() - b0) / 1e6);
          n += b;
        }
        double fwdSeconds = (System.nanoTime() - t0) / 1e9;
        // prepare + forward on one thread
        long t1 = System.nanoTime();
        long m = 0;
        while (System.nanoTime() - t1 < seconds * 0.5e9) {
          List<PreparedInput> pb = new ArrayList<>(b);
          for (ModelInput in : raw.get(s++ % raw.size())) pb.add(model.prepare(in, limits));
          model.forward(pb);
          m += b;
        }
        double prepSeconds = (System.nanoTime() - t1) / 1e9;
        batchMs.sort(null);
        ObjectNode r = results.addObject();
        r.put("batch_size", b);
        r.put("items_per_s", n / fwdSeconds);
        r.put("batches", batchMs.size());
        r.put("batch_ms_p50", batchMs.get(batchMs.size() / 2));
        r.put("batch_ms_p90", batchMs.get((int) (batchMs.size() * 0.9)));
        r.put("prepare_and_forward_items_per_s", m / prepSeconds);
        System.err.printf("offline B=%d: %.1f items/s (forward), %.1f items/s (prepare+forward), batch p50 %.1f ms%n",
            b, n / fwdSeconds, m / prepSeconds, batchMs.get(batchMs.size() / 2));
      }
      });
    }
    System.out.println(json.writeValueAsString(out));
    System.exit(0);
  }

  /**
   * Loads once, prints "ready", then per stdin line "B SECONDS WARMUP [LANES]" times forward of
   * prepared batches of B on LANES threads at once (default 1) and prints one JSON line; "tokens"
   * prints the token lengths of the prepared items (text); "quit" or end of input exits. Lets the
   * harness interleave offline slices with served slices while the machine's load drifts.
   * {@code bundles} may name several bundle folders (comma-separated): each batch then goes
   * through every model in turn, the compute of N separate bundles answering the same items.
   */
  static void interactive(String bundles, List<Item> items, int[] sizes, ObjectMapper json) throws Exception {
    List<ServableModel> models = new ArrayList<>();
    try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in))) {
      for (String b : bundles.split(",")) models.add(ServableModel.load(Path.of(b), new GraphOptions("cpu", sizes)));
      InputLimits limits = InputLimits.defaults();
      List<List<PreparedInput>> prepared = new ArrayList<>();
      for (ServableModel model : models) {
        List<PreparedInput> p = new ArrayList<>();
        for (Item it : items) p.add(model.prepare(toInput(it), limits));
        prepared.add(p);
      }
      System.out.println("ready");
      System.out.flush();
      java.util.Map<Integer, java.util.concurrent.ExecutorService> pools = new java.util.HashMap<>();
      try {
        String line;
        while ((line = in.readLine()) != null && !line.startsWith("quit")) {
          if (line.startsWith("tokens")) {
            System.out.println(json.writeValueAsString(tokenLengths(prepared.get(0), json)));
            System.out.flush();
            continue;
          }
          String[] f = line.trim().split(" ");
          int b = Integer.parseInt(f[0]);
          double seconds = Double.parseDouble(f[1]);
          double warm = Double.parseDouble(f[2]);
          int lanes = f.length > 3 ? Integer.parseInt(f[3]) : 1;
          // batches[k][m]: batch k as prepared by model m (the same items for every model)
          List<List<List<PreparedInput>>> batches = new ArrayList<>();
          for (int k = 0; k < 8; k++) {
            List<List<PreparedInput>> perModel = new ArrayList<>();
            for (List<PreparedInput> p : prepared) {
              List<PreparedInput> pb = new ArrayList<>(b);
              for (int i = 0; i < b; i++) pb.add(p.get((k * b + i) % p.size()));
              perModel.add(pb);
            }
            batches.add(perModel);
          }
          // long-lived lane threads, like the server's inference threads (one predictor each)
          var pool = pools.computeIfAbsent(lanes, n -> java.util.concurrent.Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, "offline-inference");
            t.setDaemon(true);
            return t;
          }));
          java.util.function.IntConsumer step = k -> {
            List<List<PreparedInput>> perModel = batches.get(k % batches.size());
            for (int m = 0; m < models.size(); m++) models.get(m).forward(perModel.get(m));
          };
          ObjectNode r = timeLanes(step, b, seconds, warm, lanes, pool, json);
          r.put("models", models.size());
          System.out.println(json.writeValueAsString(r));
          System.out.flush();
        }
      } finally {
        pools.values().forEach(java.util.concurrent.ExecutorService::shutdownNow);
      }
    } finally {
      for (ServableModel m : models) m.close();
    }
    System.exit(0);
  }

  /** Token counts (with [CLS]/[SEP]) of prepared text items: min, p10, p50, p90, max, mean. */
  static ObjectNode tokenLengths(List<PreparedInput> prepared, ObjectMapper json) {
    List<Integer> n = new ArrayList<>();
    for (PreparedInput p : prepared) if (p instanceof PreparedInput.Tokens t) n.add(t.ids().length);
    ObjectNode r = json.createObjectNode();
    r.put("items", n.size());
    if (n.isEmpty()) return r;
    n.sort(null);
    r.put("min", n.get(0));
    r.put("p10", n.get(n.size() / 10));
    r.put("p50", n.get(n.size() / 2));
    r.put("p90", n.get(n.size() * 9 / 10));
    r.put("max", n.get(n.size() - 1));
    r.put("mean", n.stream().mapToInt(Integer::intValue).average().orElse(0));
    return r;
  }

  /**
   * {@code lanes} threads each run {@code step} (one batch of {@code b} items, through every
   * model) back to back for the same wall-clock window (the server with
   * cerberus.batch.inference-threads = lanes, minus gRPC, decoding and batching); items/s counts
   * every lane's batches.
   */
  static ObjectNode timeLanes(java.util.function.IntConsumer step, int b, double seconds,
      double warm, int lanes, java.util.concurrent.ExecutorService pool, ObjectMapper json) throws Exception {
    long warmEnd = System.nanoTime() + (long) (warm * 1e9);
    var barrier = new java.util.concurrent.CyclicBarrier(lanes);
    long[] start = new long[1];
    List<java.util.concurrent.Future<List<Double>>> futures = new ArrayList<>();
    for (int lane = 0; lane < lanes; lane++) {
      int first = lane;
      futures.add(pool.submit(() -> {
        int s = first;
        while (System.nanoTime() < warmEnd) step.accept(s++);
        barrier.await();
        synchronized (start) {
          if (start[0] == 0) start[0] = System.nanoTime();
        }
        long t0 = start[0];
        List<Double> ms = new ArrayList<>();
        while (System.nanoTime() - t0 < seconds * 1e9) {
          long b0 = System.nanoTime();
          step.accept(s++);
          ms.add((System.nanoTime() - b0) / 1e6);
        }
        return ms;
      }));
    }
    List<Double> ms = new ArrayList<>();
    for (var f : futures) ms.addAll(f.get());
    double sec = (System.nanoTime() - start[0]) / 1e9;
    ms.sort(null);
    ObjectNode r = json.createObjectNode();
    r.put("batch_size", b);
    r.put("lanes", lanes);
    r.put("intra_op_threads", System.getProperty("ai.djl.pytorch.num_threads"));
    r.put("seconds", sec);
    r.put("items_per_s", (double) ms.size() * b / sec);
    r.put("batches", ms.size());
    r.put("batch_ms_p50", ms.get(ms.size() / 2));
    return r;
  }

  /**
   * libtorch's intra-op thread count (OpenMP) and TorchScript's graph-executor flag are
   * per-thread: DJL applies ai.djl.pytorch.num_threads / graph_optimizer only on the thread that
   * initialises the engine. This applies them to the calling thread too (for measuring).
   */
  static void applyThreadSettings() throws Exception {
    Class<?> jni = Class.forName("ai.djl.pytorch.jni.JniUtils");
    String n = System.getProperty("ai.djl.pytorch.num_threads");
    if (n != null) jni.getMethod("setNumThreads", int.class).invoke(null, Integer.parseInt(n));
    String g = System.getProperty("ai.djl.pytorch.graph_optimizer");
    if (g != null) jni.getMethod("setGraphExecutorOptimize", boolean.class).invoke(null, Boolean.parseBoolean(g));
  }

  static ModelInput toInput(Item it) {
    return switch (it.getInputCase()) {
      case IMAGE -> new ModelInput.Image(it.getImage().toByteArray());
      case TEXT -> new ModelInput.Text(it.getText());
      case TENSOR -> {
        long[] shape = it.getTensor().getShapeList().stream().mapToLong(Long::longValue).toArray();
        float[] v = new float[it.getTensor().getValuesCount()];
        for (int i = 0; i < v.length; i++) v[i] = it.getTensor().getValues(i);
        yield new ModelInput.FloatTensor(shape, v);
      }
      default -> throw new IllegalArgumentException("item without input");
    };
  }
}
