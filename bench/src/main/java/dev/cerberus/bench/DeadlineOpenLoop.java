package dev.cerberus.bench;

import dev.cerberus.proto.v1.ClassifierGrpc;
import dev.cerberus.proto.v1.ClassifyRequest;
import dev.cerberus.proto.v1.ClassifyResponse;
import dev.cerberus.proto.v1.Item;
import dev.cerberus.proto.v1.ItemResult;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * Open-loop unary load where every call carries a gRPC deadline: requests leave on a fixed
 * schedule whatever the server answers (so an overloaded server faces the full offered rate),
 * and each item counts as delivered on time only when its call returned OK, the item has no
 * error, and the call's latency is within the deadline. Outcomes of failed calls and failed
 * items are counted by status code.
 */
final class DeadlineOpenLoop implements AutoCloseable {

  /** What one overload slice measured. */
  record Result(double seconds, long offeredItems, long onTimeItems, Map<String, Long> failedItemsByCode,
      double okP50Ms, double okP99Ms) {
    double onTimePerSecond() {
      return onTimeItems / seconds;
    }
  }

  private final ManagedChannel channel;
  private final ClassifierGrpc.ClassifierStub stub;
  private final List<Item> items;

  DeadlineOpenLoop(int port, List<Item> items) {
    this.channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
        .maxInboundMessageSize(64 << 20).build();
    this.stub = ClassifierGrpc.newStub(channel);
    this.items = items;
  }

  /**
   * Sends {@code rate} requests/s of {@code perRequest} items for {@code seconds}, each with a
   * deadline of {@code deadlineMs}; waits for every answer (each has a deadline, so this ends).
   */
  Result run(String model, int perRequest, double rate, double seconds, long deadlineMs)
      throws InterruptedException {
    ClassifyRequest[] pool = new ClassifyRequest[32];
    for (int r = 0; r < pool.length; r++) {
      ClassifyRequest.Builder b = ClassifyRequest.newBuilder().setModel(model);
      for (int k = 0; k < perRequest; k++) b.addItems(items.get((r * perRequest + k) % items.size()));
      pool[r] = b.build();
    }
    ConcurrentHistogram latency = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(1), 3);
    AtomicLong onTime = new AtomicLong();
    Map<String, LongAdder> failed = new ConcurrentHashMap<>();
    AtomicInteger outstanding = new AtomicInteger();
    long period = (long) (1e9 / rate);
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    long sent = 0;
    for (long next = start; next < end; next += period) {
      long wait = next - System.nanoTime();
      if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
      ClassifyRequest req = pool[(int) (sent++ % pool.length)];
      long t0 = next; // latency from the scheduled send time: no coordinated omission
      outstanding.incrementAndGet();
      stub.withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS).classify(req,
          new StreamObserver<>() {
            @Override
            public void onNext(ClassifyResponse response) {
              long micros = (System.nanoTime() - t0) / 1000;
              boolean inTime = micros <= deadlineMs * 1000;
              for (ItemResult r : response.getResultsList()) {
                if (r.hasError()) {
                  count(failed, "item " + r.getError().getCode().name());
                } else if (inTime) {
                  onTime.incrementAndGet();
                } else {
                  count(failed, "OK_BUT_LATE");
                }
              }
              if (inTime) latency.recordValue(micros);
            }

            @Override
            public void onError(Throwable t) {
              String code = "call " + Status.fromThrowable(t).getCode().name();
              for (int k = 0; k < perRequest; k++) count(failed, code);
              outstanding.decrementAndGet();
            }

            @Override
            public void onCompleted() {
              outstanding.decrementAndGet();
            }
          });
    }
    double measured = (System.nanoTime() - start) / 1e9;
    long drainEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(deadlineMs + 5000);
    while (outstanding.get() > 0 && System.nanoTime() < drainEnd) Thread.sleep(10);
    Map<String, Long> byCode = new TreeMap<>();
    failed.forEach((k, v) -> byCode.put(k, v.sum()));
    return new Result(measured, sent * perRequest, onTime.get(), byCode,
        latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(50) / 1000.0,
        latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(99) / 1000.0);
  }

  private static void count(Map<String, LongAdder> m, String code) {
    m.computeIfAbsent(code, k -> new LongAdder()).increment();
  }

  @Override
  public void close() {
    channel.shutdownNow();
  }
}
