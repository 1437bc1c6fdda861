package dev.cerberus.server.inference;

import dev.cerberus.model.ServableModel;
import dev.cerberus.model.bundle.BundleManifest;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.model.input.InputRejectedException;
import dev.cerberus.model.input.ModelInput;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded model version as every protocol front-end sees it: its identity, its manifest,
 * its counters, and {@link #classify}, the single entry point of the inference path.
 *
 * <p>Data flow: {@code classify} (admission on the caller's thread: item count, draining,
 * queue capacity) -> preprocessing on the shared worker pool ({@code prepare}: decode, resize,
 * tokenize; a bad item is answered at once and never reaches a batch) -> {@link BatchAggregator}
 * -> {@link InferenceWorker} threads (cerberus.batch.inference-threads of them; one forward pass
 * per batch each) -> the call's future completes on the worker pool.
 *
 * <p>Preprocessing runs BEFORE batching: decoding is the most expensive per-item step and
 * parallelises over the pool while the inference thread runs the previous batch, so the forward
 * pass never waits for a decoder and a batch only ever holds valid, ready items.
 */
public final class ServedModel implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ServedModel.class);

  private final String name;
  private final String version;
  private final ServableModel model;
  private final BatcherSettings settings;
  private final InputLimits limits;
  private final Executor workers;
  private final int preprocessParallelism;
  private final ModelCounters counters;
  private final BatchAggregator aggregator;
  private final List<InferenceWorker> inferenceWorkers;
  private final List<Thread> inferenceThreads;
  private volatile boolean accepting = true;
  /** Set once the inference threads have exited: late arrivals are answered, not queued. */
  private volatile boolean closed;

  /**
   * Starts the inference threads of a loaded model.
   *
   * @param workers shared pool for preprocessing and call completion
   * @param preprocessParallelism how many pool tasks one call's items are split into at most
   */
  public ServedModel(
      String name,
      String version,
      ServableModel model,
      BatcherSettings settings,
      InputLimits limits,
      Executor workers,
      int preprocessParallelism,
      BatchObserver observer) {
    this.name = name;
    this.version = version;
    this.model = model;
    this.settings = settings;
    this.limits = limits;
    this.workers = workers;
    this.preprocessParallelism = Math.max(1, preprocessParallelism);
    this.counters = new ModelCounters(settings.maxBatchSize());
    this.aggregator = new BatchAggregator(settings);
    List<InferenceWorker> ws = new java.util.ArrayList<>();
    List<Thread> ts = new java.util.ArrayList<>();
    for (int i = 0; i < settings.inferenceThreads(); i++) {
      InferenceWorker w = new InferenceWorker(label(), model, aggregator, counters, observer);
      Thread t = new Thread(w, "cerberus-infer-" + name + "-" + version + "-" + i);
      t.setDaemon(true);
      ws.add(w);
      ts.add(t);
    }
    this.inferenceWorkers = List.copyOf(ws);
    this.inferenceThreads = List.copyOf(ts);
    inferenceThreads.forEach(Thread::start);
  }

  public String name() {
    return name;
  }

  public String version() {
    return version;
  }

  public BundleManifest manifest() {
    return model.manifest();
  }

  /** Width of the features the heads read. */
  public int featureSize() {
    return model.featureSize();
  }

  public BatcherSettings batcherSettings() {
    return settings;
  }

  public VersionStats stats() {
    return counters.snapshot();
  }

  /** False once draining started: new calls get UNAVAILABLE. */
  public boolean isAccepting() {
    return accepting;
  }

  /**
   * Classifies the items of one call. The future holds one outcome per item, in order; one bad
   * item never fails the others. The future fails with a {@link io.grpc.StatusRuntimeException}
   * when the call as a whole is refused: INVALID_ARGUMENT (no items, or more than
   * cerberus.max-items-per-request), UNAVAILABLE (draining), RESOURCE_EXHAUSTED (the queue of
   * this version is full). Never blocks: safe on gRPC threads.
   */
  public CompletableFuture<List<ItemOutcome>> classify(List<ModelInput> items, CallContext context) {
    int n = items.size();
    if (n == 0) {
      return refused(Status.INVALID_ARGUMENT.withDescription(
          "the request has no items; send 1 to " + settings.maxItemsPerRequest() + " items"));
    }
    if (n > settings.maxItemsPerRequest()) {
      return refused(Status.INVALID_ARGUMENT.withDescription(
          "the request has " + n + " items; the limit is " + settings.maxItemsPerRequest()
              + " items per request (cerberus.max-items-per-request)"));
    }
    if (!accepting) {
      return refused(Status.UNAVAILABLE.withDescription(
          label() + " is shutting down and accepts no new work; retry on another replica"));
    }
    if (!admit(n)) {
      counters.rejectedQueueFull.add(n);
      return refused(Status.RESOURCE_EXHAUSTED.withDescription(
          label() + ": the queue is full (" + counters.queueDepth.get() + " items waiting, capacity "
              + settings.queueCapacity() + ", cerberus.batch.queue-capacity); retry later"));
    }
    int chunks = Math.min(n, preprocessParallelism);
    PendingCall call =
        new PendingCall(items.toArray(new ModelInput[0]), context, chunks, workers);
    int per = (n + chunks - 1) / chunks;
    for (int c = 0; c < chunks; c++) {
      int from = c * per;
      int to = Math.min(n, from + per);
      try {
        workers.execute(() -> prepare(call, from, to));
      } catch (RejectedExecutionException e) {
        failRange(call, from, to, Status.Code.UNAVAILABLE, "the server is shutting down");
      }
    }
    return call.future();
  }

  /** Reserves queue room for n items, or returns false without reserving any. */
  private boolean admit(int n) {
    while (true) {
      int depth = counters.queueDepth.get();
      if (depth + n > settings.queueCapacity()) {
        return false;
      }
      if (counters.queueDepth.compareAndSet(depth, depth + n)) {
        return true;
      }
    }
  }

  /** Runs on the worker pool: decodes items [from, to) of a call. */
  private void prepare(PendingCall call, int from, int to) {
    long now = System.nanoTime();
    if (call.context.expired(now)) {
      counters.droppedExpired.add(to - from);
      failRange(call, from, to, Status.Code.DEADLINE_EXCEEDED,
          "the call's deadline passed before this item was computed");
    } else if (call.context.isCancelled()) {
      counters.droppedCancelled.add(to - from);
      failRange(call, from, to, Status.Code.CANCELLED,
          "the call was cancelled before this item was computed");
    } else {
      for (int i = from; i < to; i++) {
        try {
          call.prepared[i] = model.prepare(call.inputs[i], limits);
          call.inputs[i] = null; // the encoded bytes are no longer needed
        } catch (InputRejectedException e) {
          Status.Code code = e.reason() == InputRejectedException.Reason.RESOURCE_EXHAUSTED
              ? Status.Code.RESOURCE_EXHAUSTED
              : Status.Code.INVALID_ARGUMENT;
          itemFailed(call, i, code, e.getMessage());
        } catch (RuntimeException e) {
          log.warn("{}: preprocessing item {} failed unexpectedly", label(), i, e);
          itemFailed(call, i, Status.Code.INTERNAL,
              "preprocessing failed: internal error (logged by the server)");
        }
      }
    }
    if (call.chunkDone()) {
      enqueue(call);
    }
  }

  private void itemFailed(PendingCall call, int index, Status.Code code, String message) {
    counters.itemErrors.increment();
    counters.queueDepth.decrementAndGet();
    call.answer(index, new ItemOutcome.ItemFailure(code, message));
  }

  private void failRange(PendingCall call, int from, int to, Status.Code code, String message) {
    counters.queueDepth.addAndGet(-(to - from));
    ItemOutcome.ItemFailure failure = new ItemOutcome.ItemFailure(code, message);
    for (int i = from; i < to; i++) {
      call.answer(i, failure);
    }
  }

  /** After the last chunk: hands the items that survived preprocessing to the batcher. */
  private void enqueue(PendingCall call) {
    int count = 0;
    for (int i = 0; i < call.size(); i++) {
      if (call.prepared[i] != null) {
        count++;
      }
    }
    if (count == 0) {
      return; // every item was answered already
    }
    int[] computable = new int[count];
    for (int i = 0, k = 0; i < call.size(); i++) {
      if (call.prepared[i] != null) {
        computable[k++] = i;
      }
    }
    call.computable = computable;
    aggregator.offer(call);
    if (closed) {
      failLeftovers();
    }
  }

  /** Answers calls that reached the queue after the inference threads exited. */
  private void failLeftovers() {
    for (PendingCall call : aggregator.drainRemaining()) {
      int left = call.computable.length - call.next;
      counters.queueDepth.addAndGet(-left);
      ItemOutcome.ItemFailure failure = new ItemOutcome.ItemFailure(
          Status.Code.UNAVAILABLE, label() + " closed before this item was computed");
      for (int k = call.next; k < call.computable.length; k++) {
        call.answer(call.computable[k], failure);
      }
    }
  }

  /** Refuses new calls with UNAVAILABLE; queued and running work continues. */
  public void stopAccepting() {
    accepting = false;
  }

  /** Waits until every admitted item is answered, or the timeout passes; true when idle. */
  public boolean awaitIdle(Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (counters.queueDepth.get() > 0) {
      if (System.nanoTime() - end >= 0) {
        return false;
      }
      TimeUnit.MILLISECONDS.sleep(5);
    }
    return true;
  }

  /**
   * Stops accepting, answers whatever is still queued with UNAVAILABLE (call {@link #awaitIdle}
   * first to finish it instead), stops the inference threads and releases the engine's memory.
   */
  @Override
  public void close() {
    accepting = false;
    inferenceWorkers.forEach(InferenceWorker::abandon);
    aggregator.stop();
    try {
      for (Thread t : inferenceThreads) t.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      log.warn("{}: interrupted while waiting for the inference threads; model left open", label());
      return;
    }
    closed = true;
    failLeftovers();
    model.close();
  }

  private String label() {
    return "model '" + name + "' version " + version;
  }

  private static <T> CompletableFuture<T> refused(Status status) {
    return CompletableFuture.failedFuture(status.asRuntimeException());
  }
}
