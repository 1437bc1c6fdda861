package dev.cerberus.server;

import dev.cerberus.model.engine.MallocTuning;
import java.util.List;

/**
 * The server's settings as declared: key, flag, default, value label and meaning, in the order
 * --help and docs/settings.md list them. {@link ServerSettings} reads and checks the values.
 */
final class SettingsCatalog {

  private static final int CORE_COUNT = Runtime.getRuntime().availableProcessors();
  private static final String CORES = String.valueOf(CORE_COUNT);
  /** Two forward passes at once wherever there are two cores to run them (bench/README.md). */
  private static final String INFERENCE_THREADS = CORE_COUNT >= 2 ? "2" : "1";
  static final String AUTO = "auto";

  private SettingsCatalog() {}

  /** Every setting with its flag, default and meaning. */
  static final List<Setting> ALL = List.of(
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
}
