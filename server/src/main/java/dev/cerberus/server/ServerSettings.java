package dev.cerberus.server;

import dev.cerberus.model.GraphOptions;
import dev.cerberus.model.engine.MallocTuning;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.server.inference.AdmissionSettings;
import dev.cerberus.server.inference.BatcherSettings;
import dev.cerberus.server.inference.DecodeScheduler;
import dev.cerberus.server.rest.RestSettings;
import dev.cerberus.server.inference.RepositoryAdmin;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Every knob of the server, resolved: defaults, then an optional properties file, then
 * command-line flags (flags win). Each field names its key; {@link #CATALOG} holds the default
 * and the reason for it, and docs/settings.md is the table an operator reads.
 *
 * @param host bind address (cerberus.host)
 * @param port gRPC port, 0 = any free port (cerberus.port)
 * @param modelsDir model repository root (cerberus.models)
 * @param allowEmptyModels start even when the repository holds no servable model
 *     (cerberus.models.allow-empty)
 * @param maxItemsPerRequest items in one Classify call or one stream message
 *     (cerberus.max-items-per-request)
 * @param maxInboundMessageBytes largest request message (cerberus.max-inbound-message-bytes)
 * @param maxBatchSize items per forward pass (cerberus.batch.max-size)
 * @param maxQueueDelayNanos how long a partial batch waits for more items
 *     (cerberus.batch.max-queue-delay-ms)
 * @param queueCapacity items admitted and unanswered per model version
 *     (cerberus.batch.queue-capacity)
 * @param streamMaxInFlight items in flight per ClassifyStream before the server stops reading
 *     (cerberus.stream.max-in-flight)
 * @param oipStreamMaxInFlightRequests OIP v2 ModelStreamInfer requests computed at once per
 *     stream before the server stops reading it (cerberus.oip.stream-max-in-flight-requests)
 * @param preprocessThreads decode/tokenize worker threads (cerberus.preprocess.threads)
 * @param inferenceThreads threads per model version running forward passes
 *     (cerberus.batch.inference-threads)
 * @param intraOpThreads libtorch intra-op threads (cerberus.engine.intra-op-threads)
 * @param graphOptimizer TorchScript profiling optimizer on/off (cerberus.engine.graph-optimizer)
 * @param mallocMmapThreshold glibc mmap threshold in bytes, 0 = default
 *     (cerberus.engine.malloc-mmap-threshold)
 * @param mallocTrimThreshold glibc trim threshold in bytes, 0 = default
 *     (cerberus.engine.malloc-trim-threshold)
 * @param device DJL device, cpu or gpu (cerberus.engine.device)
 * @param warmUpBatchSizes batch sizes run once per shape at load (cerberus.engine.warm-up-batch-sizes)
 * @param limits per-item input limits (cerberus.limits.*)
 * @param drainTimeout how long shutdown waits for accepted work (cerberus.drain-timeout-seconds)
 * @param tlsCert PEM certificate chain; TLS is on when set (cerberus.tls.cert)
 * @param tlsKey PEM PKCS#8 private key (cerberus.tls.key)
 * @param tlsClientCa PEM CA bundle; when set, clients must present a certificate it signed
 *     (cerberus.tls.client-ca)
 * @param authToken bearer token every call must carry, except health (cerberus.auth.token)
 * @param metricsPort Prometheus HTTP port; -1 = off, 0 = any free port (cerberus.metrics.port)
 * @param metricsAuth token = /metrics needs the auth token when one is set, none = open
 *     (cerberus.metrics.auth)
 * @param reloadInterval how often the repository is rescanned; zero = never
 *     (cerberus.reload-interval-seconds)
 * @param admission per-call pixel budget and deadline-aware admission
 *     (cerberus.limits.max-request-pixels, cerberus.admission.*)
 * @param decode fair preprocessing: large-image threshold and threads
 *     (cerberus.preprocess.threads, cerberus.decode.*)
 * @param rest the OIP v2 HTTP/REST front-end (cerberus.rest.*; its body limit is
 *     cerberus.max-inbound-message-bytes)
 * @param repositoryAdmin explicit load/unload through the OIP repository RPCs
 *     (cerberus.repository.admin, cerberus.repository.unload-timeout-seconds)
 */
public record ServerSettings(
    String host,
    int port,
    Path modelsDir,
    boolean allowEmptyModels,
    int maxItemsPerRequest,
    int maxInboundMessageBytes,
    int maxBatchSize,
    long maxQueueDelayNanos,
    int queueCapacity,
    int streamMaxInFlight,
    int oipStreamMaxInFlightRequests,
    int preprocessThreads,
    int inferenceThreads,
    int intraOpThreads,
    boolean graphOptimizer,
    int mallocMmapThreshold,
    int mallocTrimThreshold,
    String device,
    int[] warmUpBatchSizes,
    InputLimits limits,
    Duration drainTimeout,
    Optional<Path> tlsCert,
    Optional<Path> tlsKey,
    Optional<Path> tlsClientCa,
    Optional<String> authToken,
    int metricsPort,
    String metricsAuth,
    Duration reloadInterval,
    AdmissionSettings admission,
    DecodeScheduler.Settings decode,
    RestSettings rest,
    RepositoryAdmin.Settings repositoryAdmin) {

  private static final int CORE_COUNT = Runtime.getRuntime().availableProcessors();
  private static final String CORES = String.valueOf(CORE_COUNT);
  /** Two forward passes at once wherever there are two cores to run them (bench/README.md). */
  private static final String INFERENCE_THREADS = CORE_COUNT >= 2 ? "2" : "1";
  private static final String AUTO = "auto";

  /** Every setting with its flag, default and meaning. */
  public static final List<Setting> CATALOG = List.of(
      new Setting("cerberus.host", "--host", "127.0.0.1", "ADDR",
          "Address the gRPC server binds. Loopback by default so nothing is exposed by accident;"
              + " use 0.0.0.0 to listen on every interface."),
      new Setting("cerberus.port", "--port", "8500", "N", "gRPC port; 0 picks a free port."),
      new Setting("cerberus.models", "--models", "models", "DIR",
          "Model repository root: <DIR>/<name>/<version>/bundle.json. Relative to the working"
              + " directory."),
      new Setting("cerberus.models.allow-empty", "--allow-empty-models", "false", "true|false",
          "Start even when the model repository holds no servable bundle (models added later,"
              + " with cerberus.reload-interval-seconds). Off: a server started in the wrong"
              + " folder exits with a message naming the folder instead of serving nothing."),
      new Setting("cerberus.max-items-per-request", "--max-items-per-request", "256", "N",
          "Most items in one Classify call or one ClassifyStream message; more is"
              + " INVALID_ARGUMENT."),
      new Setting("cerberus.max-inbound-message-bytes", "--max-inbound-message-bytes",
          String.valueOf(64 << 20), "BYTES",
          "Largest request message gRPC accepts (64 MiB: 256 items of 256 KiB images), and"
              + " largest REST request body (more is 413)."),
      new Setting("cerberus.batch.max-size", "--max-batch-size", "32", "N",
          "Most items in one forward pass. Larger batches raise throughput until the CPU is"
              + " saturated and cost latency."),
      new Setting("cerberus.batch.max-queue-delay-ms", "--max-queue-delay-ms", "5", "MS",
          "How long the oldest ready item waits for more items before a partial batch runs"
              + " (fractions allowed; 0 = never wait)."),
      new Setting("cerberus.batch.queue-capacity", "--queue-capacity", "1024", "N",
          "Items admitted and not yet answered, per model version. A call that would exceed it"
              + " fails with RESOURCE_EXHAUSTED. Must be >= max items per request."),
      new Setting("cerberus.stream.max-in-flight", "--stream-max-in-flight", "256", "N",
          "Items of one ClassifyStream in flight before the server stops reading that stream"
              + " (flow control). Several streams together may exceed the queue capacity: their"
              + " messages then wait for room instead of being refused."),
      new Setting("cerberus.oip.stream-max-in-flight-requests",
          "--oip-stream-max-in-flight-requests", "8", "N",
          "OIP v2 ModelStreamInfer requests of one stream computed at once before the server"
              + " stops reading that stream (flow control)."),
      new Setting("cerberus.preprocess.threads", "--preprocess-threads", CORES, "N",
          "Worker threads for decoding, resizing and tokenizing (and completing calls). Default:"
              + " the number of cores."),
      new Setting("cerberus.batch.inference-threads", "--inference-threads", INFERENCE_THREADS, "N",
          "Threads per model version that take batches and run forward passes; N > 1 computes"
              + " N batches at once. Default: 2 (1 on a one-core machine). Small-batch"
              + " convolutions scale poorly across intra-op threads; independent batches do."),
      new Setting("cerberus.engine.intra-op-threads", "--intra-op-threads", AUTO, "N|auto",
          "libtorch intra-op threads of each forward pass (ai.djl.pytorch.num_threads; inter-op"
              + " is kept at 1). auto = cores / inference threads (at least 1), so the passes"
              + " running at once use every core without oversubscribing."),
      new Setting("cerberus.engine.graph-optimizer", "--graph-optimizer", "false", "true|false",
          "TorchScript's profiling graph optimizer (ai.djl.pytorch.graph_optimizer). Off because"
              + " the batcher makes every batch size from 1 to max a new input shape, and the"
              + " optimizer re-profiles each new shape on live traffic."),
      new Setting("cerberus.engine.malloc-mmap-threshold", "--malloc-mmap-threshold",
          String.valueOf(MallocTuning.DEFAULT_MMAP_THRESHOLD), "BYTES",
          "glibc malloc: buffers at least this large are mmap'd and unmapped on free. 32 MiB (glibc's"
              + " maximum) keeps a forward pass's activation buffers in malloc's arenas for the next"
              + " batch instead of page-faulting fresh zeroed pages each time; 0 = glibc default."),
      new Setting("cerberus.engine.malloc-trim-threshold", "--malloc-trim-threshold",
          String.valueOf(MallocTuning.DEFAULT_TRIM_THRESHOLD), "BYTES",
          "glibc malloc: free memory at the top of an arena beyond this goes back to the kernel."
              + " 128 MiB keeps the buffers of the last batches (a thread arena holds at most 64 MiB);"
              + " 0 = glibc default."),
      new Setting("cerberus.engine.device", "--device", "cpu", "cpu|gpu",
          "DJL device the models run on. gpu needs a CUDA build of libtorch and a visible GPU;"
              + " without them the server refuses to start with one line (exit code 2) instead"
              + " of loading nothing."),
      new Setting("cerberus.engine.warm-up-batch-sizes", "--warm-up-batch-sizes", "1", "N,N",
          "Batch sizes run once per input shape at load so first requests do not pay for shape"
              + " specialisation; empty skips warm-up."),
      new Setting("cerberus.limits.max-image-bytes", "--max-image-bytes",
          String.valueOf(16 << 20), "BYTES", "Largest encoded image item."),
      new Setting("cerberus.limits.max-image-pixels", "--max-image-pixels", "40000000", "N",
          "Largest decoded image (width x height), checked from the header before decoding."),
      new Setting("cerberus.limits.max-request-pixels", "--max-request-pixels", "100000000", "N",
          "Most image pixels one call (or stream message) may declare in total, summed from the"
              + " headers before anything is decoded; more is INVALID_ARGUMENT for the whole call."
              + " 100 Mpx: eight 12 Mpx photos, or 10,000 images of 100 x 100."),
      new Setting("cerberus.decode.large-image-pixels", "--decode-large-image-pixels", "4000000",
          "N", "Images declaring more pixels than this are 'large': at most"
              + " cerberus.decode.large-image-threads of them decode at once, so small items"
              + " keep a free thread while decode bombs queue."),
      new Setting("cerberus.decode.large-image-threads", "--decode-large-image-threads", AUTO,
          "N|auto", "Most large images decoding at once, server-wide. auto = preprocess threads"
              + " - 1 (at least 1)."),
      new Setting("cerberus.admission.deadline-aware", "--deadline-aware-admission", "true",
          "true|false", "Refuse at once (RESOURCE_EXHAUSTED) a call whose expected wait (queue"
              + " depth / measured forward time per batch size, an EWMA) exceeds its deadline,"
              + " and drop before the forward pass items whose deadline would pass before their"
              + " batch finishes (DEADLINE_EXCEEDED, counted). false = only items already expired"
              + " are dropped."),
      new Setting("cerberus.admission.ewma-weight", "--admission-ewma-weight", "0.2", "W",
          "Weight (0..1] of each new forward-pass time in the moving average of that batch"
              + " size's time, which the expected wait is computed from."),
      new Setting("cerberus.admission.deadline-headroom", "--admission-deadline-headroom",
          "0.5", "H", "Share (0..1] of a call's remaining deadline its expected wait may take;"
              + " the rest covers decode, batching delay and the estimate's error."),
      new Setting("cerberus.limits.max-text-bytes", "--max-text-bytes",
          String.valueOf(64 << 10), "BYTES", "Largest text item (UTF-8 bytes)."),
      new Setting("cerberus.limits.max-tensor-values", "--max-tensor-values",
          String.valueOf(1 << 20), "N", "Most values in one tensor item."),
      new Setting("cerberus.drain-timeout-seconds", "--drain-timeout-seconds", "30", "S",
          "On SIGTERM/SIGINT: how long accepted work may take to finish before the server"
              + " closes anyway."),
      new Setting("cerberus.tls.cert", "--tls-cert", "", "FILE",
          "PEM certificate chain. TLS is on when this and --tls-key are set."),
      new Setting("cerberus.tls.key", "--tls-key", "", "FILE", "PEM PKCS#8 private key."),
      new Setting("cerberus.tls.client-ca", "--tls-client-ca", "", "FILE",
          "PEM CA certificates. When set, clients must present a certificate they signed"
              + " (mutual TLS)."),
      new Setting("cerberus.auth.token", "--auth-token", "", "TOKEN",
          "When set, every call except grpc.health.v1 must send 'authorization: Bearer TOKEN',"
              + " else UNAUTHENTICATED. Prefer the properties file: flags are visible in ps."),
      new Setting("cerberus.metrics.port", "--metrics-port", "-1", "N",
          "Prometheus /metrics HTTP port on the same host; -1 = off, 0 = any free port. HTTPS"
              + " with the gRPC certificate when TLS is on."),
      new Setting("cerberus.metrics.auth", "--metrics-auth", "token", "token|none",
          "token: when cerberus.auth.token is set, /metrics needs 'Authorization: Bearer TOKEN'"
              + " too (else 401). none: /metrics is open, for a scraper on a private network."),
      new Setting("cerberus.reload-interval-seconds", "--reload-interval-seconds", "0", "S",
          "Rescan the model repository this often (new versions load, removed ones retire);"
              + " 0 = never."),
      new Setting("cerberus.rest.port", "--rest-port", "-1", "N",
          "KServe v2 HTTP/REST port on the same host (/v2/...); -1 = off, 0 = any free port."
              + " Same TLS, token, limits and metrics as gRPC; the body limit is"
              + " cerberus.max-inbound-message-bytes."),
      new Setting("cerberus.rest.threads", "--rest-threads", "2", "N",
          "Netty event-loop threads that parse REST requests and write answers (inference runs"
              + " on the batcher's threads, so a few suffice)."),
      new Setting("cerberus.rest.request-timeout-seconds", "--rest-request-timeout-seconds",
          "60", "S", "Deadline of every REST inference request (REST has no deadline header):"
              + " items still queued when it passes are dropped and the answer is 504."),
      new Setting("cerberus.rest.idle-timeout-seconds", "--rest-idle-timeout-seconds", "60",
          "S", "A REST connection that sends nothing for this long while none of its requests"
              + " is being answered is closed (half-sent requests, forgotten keep-alives)."),
      new Setting("cerberus.repository.admin", "--repository-admin", "true", "true|false",
          "Allow loading and unloading models at run time through the OIP repository RPCs"
              + " (RepositoryModelLoad/Unload, bin/cerberus models load|unload); they need the"
              + " token when cerberus.auth.token is set. false: they answer FAILED_PRECONDITION"
              + " and models come from the repository folder only (RepositoryIndex stays on)."),
      new Setting("cerberus.repository.unload-timeout-seconds",
          "--repository-unload-timeout-seconds", "60", "S",
          "How long an unload waits for the accepted work of the versions it takes out; what"
              + " is left then is answered UNAVAILABLE. 60 s, the same bound a version removed from"
              + " the folder gets to finish its work."));

  /** Defaults only. */
  public static ServerSettings defaults() {
    return from(Map.of());
  }

  /**
   * Resolves settings from key -> value pairs (keys from {@link #CATALOG}); missing keys take
   * their default. Unknown keys and malformed values throw {@link IllegalArgumentException}
   * naming the key and what is allowed.
   */
  public static ServerSettings from(Map<String, String> values) {
    Map<String, String> v = new HashMap<>();
    CATALOG.forEach(s -> v.put(s.key(), s.defaultValue()));
    for (var e : values.entrySet()) {
      if (!v.containsKey(e.getKey())) {
        throw new IllegalArgumentException("unknown setting '" + e.getKey() + "'; known settings: "
            + CATALOG.stream().map(Setting::key).collect(Collectors.joining(", ")));
      }
      v.put(e.getKey(), e.getValue().trim());
    }
    Reader r = new Reader(v);
    ServerSettings settings = new ServerSettings(
        r.string("cerberus.host"),
        r.integer("cerberus.port", 0, 65535),
        Path.of(r.string("cerberus.models")),
        Boolean.parseBoolean(r.choice("cerberus.models.allow-empty", "true", "false")),
        r.integer("cerberus.max-items-per-request", 1, Integer.MAX_VALUE),
        r.integer("cerberus.max-inbound-message-bytes", 1024, Integer.MAX_VALUE),
        r.integer("cerberus.batch.max-size", 1, 65536),
        (long) (r.decimal("cerberus.batch.max-queue-delay-ms", 0, 60_000)
            * TimeUnit.MILLISECONDS.toNanos(1)),
        r.integer("cerberus.batch.queue-capacity", 1, Integer.MAX_VALUE),
        r.integer("cerberus.stream.max-in-flight", 1, Integer.MAX_VALUE),
        r.integer("cerberus.oip.stream-max-in-flight-requests", 1, 1 << 16),
        r.integer("cerberus.preprocess.threads", 1, 1024),
        r.integer("cerberus.batch.inference-threads", 1, 64),
        AUTO.equals(r.string("cerberus.engine.intra-op-threads"))
            ? Math.max(1, CORE_COUNT / r.integer("cerberus.batch.inference-threads", 1, 64))
            : r.integer("cerberus.engine.intra-op-threads", 1, 1024),
        Boolean.parseBoolean(r.choice("cerberus.engine.graph-optimizer", "true", "false")),
        r.integer("cerberus.engine.malloc-mmap-threshold", 0, MallocTuning.MAX_MMAP_THRESHOLD),
        r.integer("cerberus.engine.malloc-trim-threshold", 0, Integer.MAX_VALUE),
        r.choice("cerberus.engine.device", "cpu", "gpu"),
        r.integers("cerberus.engine.warm-up-batch-sizes"),
        new InputLimits(
            r.integer("cerberus.limits.max-image-bytes", 1, Integer.MAX_VALUE),
            r.integer("cerberus.limits.max-image-pixels", 1, Integer.MAX_VALUE),
            r.integer("cerberus.limits.max-text-bytes", 1, Integer.MAX_VALUE),
            r.integer("cerberus.limits.max-tensor-values", 1, Integer.MAX_VALUE)),
        Duration.ofSeconds(r.integer("cerberus.drain-timeout-seconds", 0, 86_400)),
        r.path("cerberus.tls.cert"),
        r.path("cerberus.tls.key"),
        r.path("cerberus.tls.client-ca"),
        r.optional("cerberus.auth.token"),
        r.integer("cerberus.metrics.port", -1, 65535),
        r.choice("cerberus.metrics.auth", "token", "none"),
        Duration.ofSeconds(r.integer("cerberus.reload-interval-seconds", 0, 86_400)),
        new AdmissionSettings(
            r.integer("cerberus.limits.max-request-pixels", 1, Integer.MAX_VALUE),
            Boolean.parseBoolean(r.choice("cerberus.admission.deadline-aware", "true", "false")),
            r.decimal("cerberus.admission.ewma-weight", 0.001, 1),
            r.decimal("cerberus.admission.deadline-headroom", 0.01, 1)),
        decodeSettings(r),
        new RestSettings(
            r.integer("cerberus.rest.port", -1, 65535),
            r.integer("cerberus.rest.threads", 1, 256),
            r.integer("cerberus.max-inbound-message-bytes", 1024, Integer.MAX_VALUE),
            Duration.ofSeconds(r.integer("cerberus.rest.request-timeout-seconds", 1, 86_400)),
            Duration.ofSeconds(r.integer("cerberus.rest.idle-timeout-seconds", 1, 86_400))),
        new RepositoryAdmin.Settings(
            Boolean.parseBoolean(r.choice("cerberus.repository.admin", "true", "false")),
            Duration.ofSeconds(
                r.integer("cerberus.repository.unload-timeout-seconds", 0, 86_400))));
    settings.check();
    return settings;
  }

  private static DecodeScheduler.Settings decodeSettings(Reader r) {
    int threads = r.integer("cerberus.preprocess.threads", 1, 1024);
    int large = AUTO.equals(r.string("cerberus.decode.large-image-threads"))
        ? Math.max(1, threads - 1)
        : r.integer("cerberus.decode.large-image-threads", 1, 1024);
    return new DecodeScheduler.Settings(
        threads, r.integer("cerberus.decode.large-image-pixels", 1, Integer.MAX_VALUE), large);
  }

  private void check() {
    if (queueCapacity < maxItemsPerRequest) {
      throw new IllegalArgumentException("cerberus.batch.queue-capacity (" + queueCapacity
          + ") must be >= cerberus.max-items-per-request (" + maxItemsPerRequest + ")");
    }
    if (tlsCert.isPresent() != tlsKey.isPresent()) {
      throw new IllegalArgumentException(
          "cerberus.tls.cert and cerberus.tls.key must be set together (or neither)");
    }
    if (tlsClientCa.isPresent() && tlsCert.isEmpty()) {
      throw new IllegalArgumentException(
          "cerberus.tls.client-ca (mutual TLS) needs cerberus.tls.cert and cerberus.tls.key");
    }
    for (int b : warmUpBatchSizes) {
      if (b < 1 || b > maxBatchSize) {
        throw new IllegalArgumentException("cerberus.engine.warm-up-batch-sizes: " + b
            + " is outside 1.." + maxBatchSize + " (cerberus.batch.max-size)");
      }
    }
  }

  public BatcherSettings batcher() {
    return new BatcherSettings(
        maxBatchSize, maxQueueDelayNanos, queueCapacity, maxItemsPerRequest, inferenceThreads);
  }

  public GraphOptions graphOptions() {
    return new GraphOptions(device, warmUpBatchSizes.clone());
  }

  /** A copy with another port (tests bind port 0). */
  public ServerSettings withPort(int newPort) {
    return new ServerSettings(host, newPort, modelsDir, allowEmptyModels,
        maxItemsPerRequest, maxInboundMessageBytes,
        maxBatchSize, maxQueueDelayNanos, queueCapacity, streamMaxInFlight, oipStreamMaxInFlightRequests,
        preprocessThreads, inferenceThreads, intraOpThreads, graphOptimizer,
        mallocMmapThreshold, mallocTrimThreshold, device, warmUpBatchSizes, limits, drainTimeout, tlsCert, tlsKey,
        tlsClientCa, authToken, metricsPort, metricsAuth, reloadInterval, admission, decode, rest,
        repositoryAdmin);
  }

  /** The token /metrics requires, or empty when it is open (no token, or metrics auth none). */
  public Optional<String> metricsToken() {
    return "none".equals(metricsAuth) ? Optional.empty() : authToken;
  }

  /** Parses values and names the key in every error. */
  private record Reader(Map<String, String> v) {
    String string(String key) {
      return v.get(key);
    }

    Optional<String> optional(String key) {
      String s = v.get(key);
      return s == null || s.isEmpty() ? Optional.empty() : Optional.of(s);
    }

    Optional<Path> path(String key) {
      return optional(key).map(Path::of);
    }

    int integer(String key, int min, int max) {
      String s = v.get(key);
      long value;
      try {
        value = Long.parseLong(s.replace("_", ""));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(key + ": '" + s + "' is not an integer");
      }
      if (value < min || value > max) {
        throw new IllegalArgumentException(key + ": " + value + " is outside " + min + ".." + max);
      }
      return (int) value;
    }

    double decimal(String key, double min, double max) {
      String s = v.get(key);
      double value;
      try {
        value = Double.parseDouble(s);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(key + ": '" + s + "' is not a number");
      }
      if (!(value >= min && value <= max)) {
        throw new IllegalArgumentException(key + ": " + s + " is outside " + min + ".." + max);
      }
      return value;
    }

    String choice(String key, String... allowed) {
      String s = v.get(key);
      if (!Arrays.asList(allowed).contains(s)) {
        throw new IllegalArgumentException(
            key + ": '" + s + "' is not one of " + String.join(", ", allowed));
      }
      return s;
    }

    int[] integers(String key) {
      String s = v.get(key);
      if (s.isBlank()) {
        return new int[0];
      }
      try {
        return Arrays.stream(s.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            key + ": '" + s + "' is not a comma-separated list of integers");
      }
    }
  }
}
