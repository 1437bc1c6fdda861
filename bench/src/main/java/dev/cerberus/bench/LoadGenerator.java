package dev.cerberus.bench;

import dev.cerberus.proto.v1.ClassifierGrpc;
import dev.cerberus.proto.v1.ClassifyRequest;
import dev.cerberus.proto.v1.ClassifyResponse;
import dev.cerberus.proto.v1.ClassifyStreamRequest;
import dev.cerberus.proto.v1.ClassifyStreamResponse;
import dev.cerberus.proto.v1.Item;
import dev.cerberus.proto.v1.ItemResult;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Drives one server over loopback with the real gRPC client (Netty, plaintext, 127.0.0.1 only):
 * closed-loop unary or streaming load, or an open-loop fixed request rate. Latency is recorded
 * per request (unary) or per item (stream: from the send of its message to its result).
 */
final class LoadGenerator implements AutoCloseable {

  /**
   * What one run measured. {@code items} counts items of requests sent inside the window (what
   * the latencies describe); {@code completedItems} counts every item answered inside the
   * window, whenever it was sent: the steady-state throughput of a closed loop. The two differ
   * when latency is not small against the window: with 6 s latency and 10 s slices, the first
   * counts only the 4 s of requests that both started and ended inside, and favours the faster
   * of two compared servers.
   */
  record Result(long items, long requests, long errors, String firstError, double seconds,
      Histogram latencyMicros, long completedItems) {
    double itemsPerSecond() {
      return items / seconds;
    }

    double completedItemsPerSecond() {
      return completedItems / seconds;
    }

    double ms(double percentile) {
      return latencyMicros.getTotalCount() == 0 ? Double.NaN
          : latencyMicros.getValueAtPercentile(percentile) / 1000.0;
    }
  }

  private final ManagedChannel channel;
  private final ClassifierGrpc.ClassifierStub stub;
  private final List<Item> items;

  LoadGenerator(int port, List<Item> items) {
    if (items.isEmpty()) throw new IllegalArgumentException("no items");
    this.channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
        .maxInboundMessageSize(64 << 20).directExecutor().build();
    this.stub = ClassifierGrpc.newStub(channel);
    this.items = items;
  }

  ManagedChannel channel() {
    return channel;
  }

  private final class Run {
    final LoadSpec spec;
    final ConcurrentHistogram latency = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(10), 3);
    final AtomicLong items = new AtomicLong();
    final AtomicLong completed = new AtomicLong();
    final AtomicLong requests = new AtomicLong();
    final AtomicLong issued = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    final AtomicInteger outstanding = new AtomicInteger();
    final AtomicReference<String> firstError = new AtomicReference<>();
    volatile boolean measuring;
    volatile boolean stop;
    volatile long measureStart;
    final List<ClassifyRequest[]> requestsByModel = new ArrayList<>();
    final AtomicLong cursor = new AtomicLong();
    /** Every call of the run starts in this context; cancelled after a short drain at the end. */
    final io.grpc.Context.CancellableContext context = io.grpc.Context.current().withCancellation();

    Run(LoadSpec spec) {
      this.spec = spec;
      for (String model : spec.models()) {
        ClassifyRequest[] pool = new ClassifyRequest[32];
        for (int r = 0; r < pool.length; r++) {
          ClassifyRequest.Builder b = ClassifyRequest.newBuilder().setModel(model);
          for (int k = 0; k < spec.itemsPerRequest(); k++) {
            b.addItems(LoadGenerator.this.items.get((r * spec.itemsPerRequest() + k) % LoadGenerator.this.items.size()));
          }
          pool[r] = b.build();
        }
        requestsByModel.add(pool);
      }
    }

    void error(String message) {
      if (stop) return; // cancelled at the end of the run
      errors.incrementAndGet();
      firstError.compareAndSet(null, message);
    }

    boolean measuredStart(long t0) {
      return measuring && t0 >= measureStart;
    }

    void done(long t0, long from, int n, boolean failed) {
      long now = System.nanoTime();
      if (measuring && !failed) completed.addAndGet(n);
      if (measuredStart(t0)) {
        requests.incrementAndGet();
        if (!failed) items.addAndGet(n);
        latency.recordValue(Math.max(0, (now - from) / 1000));
      }
    }
  }

  /** Runs the load; {@code atStart} runs just before measuring starts; {@code tick} is called once a second with the measured requests so far. */
  Result run(LoadSpec spec, Runnable atStart, LongConsumer tick) throws InterruptedException {
    Run run = new Run(spec);
    long warmEnd = System.nanoTime() + (long) (spec.warmUpSeconds() * 1e9);
    List<Object> handles = new ArrayList<>();
    Thread scheduler = null;
    if (spec.stream()) {
      for (int s = 0; s < spec.concurrency(); s++) handles.add(new StreamUser(run, s));
      for (Object h : handles) ((StreamUser) h).start();
    } else if (spec.rate() > 0) {
      scheduler = new Thread(() -> openLoop(run), "bench-open-loop");
      scheduler.setDaemon(true);
      scheduler.start();
    } else {
      for (int u = 0; u < spec.concurrency(); u++) unaryNext(run, u);
    }
    long now;
    while ((now = System.nanoTime()) < warmEnd) Thread.sleep(Math.min(100, Math.max(1, (warmEnd - now) / 1_000_000)));
    if (atStart != null) atStart.run();
    run.measureStart = System.nanoTime();
    run.measuring = true;
    long end = run.measureStart + (long) (spec.durationSeconds() * 1e9);
    long nextTick = run.measureStart + 1_000_000_000L;
    while (System.nanoTime() < end && (spec.maxRequests() <= 0 || run.requests.get() < spec.maxRequests())) {
      Thread.sleep(20);
      if (tick != null && System.nanoTime() >= nextTick) {
        nextTick += 1_000_000_000L;
        tick.accept(run.requests.get());
      }
    }
    double seconds = (System.nanoTime() - run.measureStart) / 1e9;
    long items = run.items.get();
    long completed = run.completed.get();
    long reqs = run.requests.get();
    long errors = run.errors.get();
    String firstError = run.firstError.get();
    run.measuring = false;
    run.stop = true;
    if (scheduler != null) scheduler.join(5000);
    for (Object h : handles) ((StreamUser) h).finish();
    // let answers in flight arrive, then cancel the rest so no queued work spills into the next run
    long drainEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (run.outstanding.get() > 0 && System.nanoTime() < drainEnd) Thread.sleep(10);
    run.context.cancel(null);
    long cancelEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (run.outstanding.get() > 0 && System.nanoTime() < cancelEnd) Thread.sleep(10);
    return new Result(items, reqs, errors, firstError, seconds, run.latency.copy(), completed);
  }

  // ---- unary -------------------------------------------------------------------------------

  private void unaryNext(Run run, int user) {
    if (run.stop || (run.spec.maxRequests() > 0 && run.measuring && run.requests.get() >= run.spec.maxRequests())) return;
    long t0 = System.nanoTime();
    issueUnary(run, t0, t0, () -> unaryNext(run, user));
  }

  private void openLoop(Run run) {
    double period = 1e9 / run.spec.rate();
    long start = System.nanoTime();
    for (long i = 0; !run.stop; i++) {
      long intended = start + (long) (i * period);
      long wait;
      // park, never spin: a spinning scheduler took 0.42 of the 2 cores at 263 requests/s
      // (the 00:57 run's half-load slice) from the server it measures. Latency counts from the
      // intended send time, so a late wake-up is charged to the measured latency, not hidden.
      while ((wait = intended - System.nanoTime()) > 0) {
        java.util.concurrent.locks.LockSupport.parkNanos(wait);
        if (Thread.interrupted()) return;
      }
      if (run.outstanding.get() >= 4096) continue; // bounded: count as not sent
      issueUnary(run, intended, intended, () -> {});
    }
  }

  /** One logical request: to every model of the spec (fan-out), complete when all answered. */
  private void issueUnary(Run run, long t0, long latencyFrom, Runnable then) {
    int n = run.spec.itemsPerRequest();
    int fan = run.spec.models().size();
    AtomicInteger left = new AtomicInteger(fan);
    AtomicInteger failed = new AtomicInteger();
    int slot = (int) (run.cursor.getAndIncrement() & 31);
    run.outstanding.incrementAndGet();
    run.issued.incrementAndGet();
    for (int m = 0; m < fan; m++) {
      ClassifyRequest req = run.requestsByModel.get(m)[slot];
      StreamObserver<ClassifyResponse> observer = new StreamObserver<>() {
        @Override
        public void onNext(ClassifyResponse r) {
          for (ItemResult ir : r.getResultsList()) {
            if (ir.hasError()) {
              failed.incrementAndGet();
              run.error(ir.getError().getCode() + ": " + ir.getError().getMessage());
            }
          }
        }

        @Override
        public void onError(Throwable t) {
          failed.incrementAndGet();
          run.error(String.valueOf(t.getMessage()));
          finish();
        }

        @Override
        public void onCompleted() {
          finish();
        }

        private void finish() {
          if (left.decrementAndGet() == 0) {
            run.done(t0, latencyFrom, n, failed.get() > 0);
            run.outstanding.decrementAndGet();
            then.run();
          }
        }
      };
      run.context.run(() -> stub.withDeadlineAfter(60, TimeUnit.SECONDS).classify(req, observer));
    }
  }

  // ---- streaming ---------------------------------------------------------------------------

  /** One ClassifyStream with a window of items in flight; per-item latency. */
  private final class StreamUser implements ClientResponseObserver<ClassifyStreamRequest, ClassifyStreamResponse> {
    final Run run;
    final int k;
    final int window;
    final long[] sentAt;
    final ClassifyStreamRequest first;
    final ClassifyStreamRequest[] rest = new ClassifyStreamRequest[16];
    final CountDownLatch closed = new CountDownLatch(1);
    ClientCallStreamObserver<ClassifyStreamRequest> out;
    long messages;
    int inFlight;
    boolean halfClosed;

    StreamUser(Run run, int index) {
      this.run = run;
      this.k = run.spec.itemsPerRequest();
      this.window = Math.max(k, run.spec.streamWindow());
      this.sentAt = new long[2 * (window / k) + 8];
      String model = run.spec.models().get(index % run.spec.models().size());
      ClassifyStreamRequest.Builder b = ClassifyStreamRequest.newBuilder().setModel(model);
      for (int i = 0; i < k; i++) b.addItems(items.get((index * k + i) % items.size()));
      first = b.build();
      for (int r = 0; r < rest.length; r++) {
        ClassifyStreamRequest.Builder rb = ClassifyStreamRequest.newBuilder();
        for (int i = 0; i < k; i++) rb.addItems(items.get(((index + r) * k + i) % items.size()));
        rest[r] = rb.build();
      }
    }

    void start() {
      run.outstanding.incrementAndGet();
      run.context.run(() -> stub.classifyStream(this));
      synchronized (this) {
        sendMore();
      }
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<ClassifyStreamRequest> requestStream) {
      this.out = requestStream;
    }

    /** Caller holds the lock. */
    private void sendMore() {
      while (!run.stop && !halfClosed && inFlight + k <= window) {
        sentAt[(int) (messages % sentAt.length)] = System.nanoTime();
        out.onNext(messages == 0 ? first : rest[(int) (messages % rest.length)]);
        messages++;
        inFlight += k;
      }
      if (run.stop && !halfClosed) {
        halfClosed = true;
        out.onCompleted();
      }
    }

    @Override
    public void onNext(ClassifyStreamResponse r) {
      long now = System.nanoTime();
      synchronized (this) {
        for (ItemResult ir : r.getResultsList()) {
          if (run.measuring && !ir.hasError()) run.completed.incrementAndGet();
          long msg = ir.getIndex() / k;
          long t0 = sentAt[(int) (msg % sentAt.length)];
          if (run.measuredStart(t0)) {
            if (ir.hasError()) {
              run.errors.incrementAndGet();
              run.firstError.compareAndSet(null, ir.getError().getCode() + ": " + ir.getError().getMessage());
            } else {
              run.items.incrementAndGet();
            }
            run.latency.recordValue(Math.max(0, (now - t0) / 1000));
            if ((ir.getIndex() + 1) % k == 0) run.requests.incrementAndGet();
          }
          inFlight--;
        }
        sendMore();
      }
    }

    @Override
    public void onError(Throwable t) {
      run.error("stream: " + t.getMessage());
      closed.countDown();
      run.outstanding.decrementAndGet();
    }

    @Override
    public void onCompleted() {
      closed.countDown();
      run.outstanding.decrementAndGet();
    }

    void finish() {
      synchronized (this) {
        sendMore();
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow();
    channel.awaitTermination(10, TimeUnit.SECONDS);
  }
}
