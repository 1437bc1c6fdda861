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
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded model version as every protocol front-end sees it: its identity, its manifest,
 * its counters, and {@link #classify}, the single entry point of the inference path.
 *
 * <p>Data flow: {@code classify} (admission on the caller's thread: item count, declared
 * pixels, draining, expected wait vs deadline, queue capacity) -> preprocessing on the shared
 * worker pool, item by item in fair turns between calls ({@link DecodeScheduler}; {@code
 * prepare}: decode, resize, tokenize; a bad item is answered at once and never reaches a
 * batch) -> {@link BatchAggregator}
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
  private final DecodeScheduler decoder;
  private final Admission admission;
  private final ModelCounters counters;
  private final BatchAggregator aggregator;
  private final List<InferenceWorker> inferenceWorkers;
  private final List<Thread> inferenceThreads;
  private volatile boolean accepting = true;
  /** Set once the inference threads have exited: late arrivals are answered, not queued. */
  private volatile boolean closed;

  /**
   * Starts the inference threads of a loaded model with its own decode scheduler and the
   * default admission settings (tests, single-model callers).
   *
   * @param workers pool for preprocessing and call completion
   * @param preprocessParallelism the pool's size: preprocessing tasks running at once
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
    this(name, version, model, settings, limits, workers,
        new DecodeScheduler(workers, DecodeScheduler.Settings.defaults(Math.max(1, preprocessParallelism))),
        AdmissionSettings.defaults(), observer);
  }

  /**
   * Starts the inference threads of a loaded model.
   *
   * @param workers shared pool for call completion (the decoder schedules onto it too)
   * @param decoder the server-wide fair preprocessing scheduler
   */
  public ServedModel(
      String name,
      String version,
      ServableModel model,
      BatcherSettings settings,
      InputLimits limits,
      Executor workers,
      DecodeScheduler decoder,
      AdmissionSettings admissionSettings,
      BatchObserver observer) {
    this.name = name;
    this.version = version;
    this.model = model;
    this.settings = settings;
    this.limits = limits;
    this.workers = workers;
    this.decoder = decoder;
    this.counters = new ModelCounters(settings.maxBatchSize());
    BatchCost cost = new BatchCost(
        settings.maxBatchSize(), settings.inferenceThreads(), admissionSettings.ewmaWeight());
    this.admission = new Admission(admissionSettings, limits, cost);
    ItemTriage triage =
        new ItemTriage(label(), counters, cost, admissionSettings.deadlineAware());
    this.aggregator = new BatchAggregator(settings, triage);
    List<InferenceWorker> ws = new java.util.ArrayList<>();
    List<Thread> ts = new java.util.ArrayList<>();
    for (int i = 0; i < settings.inferenceThreads(); i++) {
      InferenceWorker w =
          new InferenceWorker(label(), model, aggregator, counters, observer, triage, cost);
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

  /** Where this version's requests spent their time (Triton's ModelStatistics). */
  public PhaseStats phaseStats() {
    return counters.phaseSnapshot();
  }

  /** False once draining started: new calls get UNAVAILABLE. */
  public boolean isAccepting() {
    return accepting;
  }

  /**
   * Classifies the items of one call. The future holds one outcome per item, in order; one bad
   * item never fails the others. The future fails with a {@link io.grpc.StatusRuntimeException}
   * when the call as a whole is refused: INVALID_ARGUMENT (no items, more than
   * cerberus.max-items-per-request, or images declaring more than
   * cerberus.limits.max-request-pixels), UNAVAILABLE (draining), RESOURCE_EXHAUSTED (the queue
   * of this version is full, or the expected wait exceeds the call's deadline). Never blocks:
   * safe on gRPC threads.
   */
  public CompletableFuture<List<ItemOutcome>> classify(List<ModelInput> items, CallContext context) {
    long start = System.nanoTime();
    // The caller answers the client from the returned stage, which completes only after the
    // call is counted: a client that reads ModelStatistics right after its answer sees it
    // (dependent actions of one future run in no fixed order).
    return admitAndQueue(items, context).whenComplete((outcomes, error) -> {
      boolean ok = error == null
          && outcomes.stream().allMatch(o -> o instanceof ItemOutcome.Predicted);
      (ok ? counters.phases.success : counters.phases.fail).add(1, System.nanoTime() - start);
    });
  }

  private CompletableFuture<List<ItemOutcome>> admitAndQueue(
      List<ModelInput> items, CallContext context) {
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
    long[] pixels = admission.declaredPixels(items);
    Status tooBig = admission.pixelBudget(pixels);
    if (tooBig != null) {
      return refused(tooBig);
    }
    if (!accepting) {
      return refused(Status.UNAVAILABLE.withDescription(
          label() + " is shutting down and accepts no new work; retry on another replica"));
    }
    Status late = admission.deadline(n, counters.queueDepth.get(), context, label());
    if (late != null) {
      counters.shedDeadline.add(n);
      return refused(late);
    }
    if (!admit(n)) {
      counters.rejectedQueueFull.add(n);
      return refused(Status.RESOURCE_EXHAUSTED.withDescription(
          label() + ": the queue is full (" + counters.queueDepth.get() + " items waiting, capacity "
              + settings.queueCapacity() + ", cerberus.batch.queue-capacity); retry later"));
    }
    // one "chunk" per item: the decoder hands out items in turns, not fixed slices
    PendingCall call = new PendingCall(items.toArray(new ModelInput[0]), context, n, workers);
    decoder.submit(new DecodeScheduler.Work(pixels) {
      @Override
      void run(int from, int to) {
        prepare(call, from, to);
      }

      @Override
      void refuse(int from, int to) {
        failRange(call, from, to, Status.Code.UNAVAILABLE, "the server is shutting down");
        if (call.chunksDone(to - from)) {
          enqueue(call);
        }
      }
    });
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
          InputPrecheck.check(call.inputs[i]);
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
    if (call.chunksDone(to - from)) {
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
    counters.phases.computeInput.add(1, System.nanoTime() - call.admittedNanos);
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
