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
  private static final String AUTO = SettingsCatalog.AUTO;

  /**
   * Every setting with its flag, default and meaning: {@link SettingsCatalog}, the one place a
   * setting is declared (flags, the properties file and docs/settings.md all follow it).
   */
  public static final List<Setting> CATALOG = SettingsCatalog.ALL;

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
