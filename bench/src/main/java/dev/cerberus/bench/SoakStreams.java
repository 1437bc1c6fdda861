package dev.cerberus.bench;

import dev.cerberus.proto.oip.GRPCInferenceServiceGrpc;
import dev.cerberus.proto.oip.ModelInferRequest;
import dev.cerberus.proto.oip.ModelStreamInferResponse;
import dev.cerberus.proto.v1.ClassifierGrpc;
import dev.cerberus.proto.v1.ClassifyStreamRequest;
import dev.cerberus.proto.v1.ClassifyStreamResponse;
import dev.cerberus.proto.v1.ItemResult;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The soak's streams: ClassifyStream and OIP ModelStreamInfer, each opened, fed a bounded
 * number of items (a window of items in flight), half-closed and awaited, then opened again,
 * so stream set-up and tear-down are soaked too. One item in eight is bad and must come back
 * as a per-item INVALID_ARGUMENT (ClassifyStream) or an in-stream error message (OIP).
 */
final class SoakStreams {

  static final String CLASSIFY_STREAM = "classify-stream";
  static final String OIP_STREAM = "oip-stream";
  private static final int WINDOW = 64;
  private static final long CLOSE_WAIT_S = 2 * SoakLoad.DEADLINE_S;

  private final ManagedChannel channel;
  private final String model;
  private final SoakInputs inputs;
  private final SoakTally tally;

  SoakStreams(ManagedChannel channel, String model, SoakInputs inputs, SoakTally tally) {
    this.channel = channel;
    this.model = model;
    this.inputs = inputs;
    this.tally = tally;
  }

  /** ClassifyStream rounds of {@code itemsPerStream} items until {@code stop}. */
  void classifyStreams(int seed, BooleanSupplier stop, int itemsPerStream, long pauseMs) throws InterruptedException {
    Random rnd = new Random(seed);
    for (int round = 0; !stop.getAsBoolean(); round++) {
      Map<String, Long> pending = new ConcurrentHashMap<>();
      Semaphore window = new Semaphore(WINDOW);
      CompletableFuture<Status> closed = new CompletableFuture<>();
      StreamObserver<ClassifyStreamRequest> out = ClassifierGrpc.newStub(channel).classifyStream(
          new StreamObserver<>() {
            @Override
            public void onNext(ClassifyStreamResponse r) {
              for (ItemResult res : r.getResultsList()) {
                Long sentAt = pending.remove(res.getId());
                if (sentAt == null) {
                  tally.outcome(CLASSIFY_STREAM + " result for an unknown id", false, res.getId());
                  continue;
                }
                window.release();
                tally.answered(CLASSIFY_STREAM, 1);
                if (res.hasPrediction()) tally.streamLatency(sentAt);
                new SoakLoad(channel, model, inputs, tally, 0).itemOutcome(CLASSIFY_STREAM, res);
              }
            }

            @Override
            public void onError(Throwable t) {
              closed.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
              closed.complete(Status.OK);
            }
          });
      int sent = 0;
      while (sent < itemsPerStream && !stop.getAsBoolean() && !closed.isDone()) {
        int n = 1 + rnd.nextInt(8);
        if (!window.tryAcquire(n, SoakLoad.DEADLINE_S, TimeUnit.SECONDS)) {
          tally.outcome(CLASSIFY_STREAM + " window never freed", false, pending.size() + " items pending");
          break;
        }
        ClassifyStreamRequest.Builder msg = ClassifyStreamRequest.newBuilder().setModel(model);
        long now = System.nanoTime();
        for (int i = 0; i < n; i++) {
          String id = (rnd.nextInt(8) == 0 ? "b" : "g") + seed + "-" + round + "-" + (sent + i);
          msg.addItems(id.startsWith("b") ? inputs.bad(rnd, id) : inputs.good(rnd, id));
          pending.put(id, now);
        }
        tally.sent(CLASSIFY_STREAM, n);
        out.onNext(msg.build());
        sent += n;
        if (pauseMs > 0) Thread.sleep(pauseMs);
      }
      out.onCompleted();
      endOfStream(CLASSIFY_STREAM, closed, pending.size());
    }
  }

  /** ModelStreamInfer rounds: one-item requests, one in eight with INT64 data (refused in-stream). */
  void oipStreams(int seed, BooleanSupplier stop, int requestsPerStream, long pauseMs) throws InterruptedException {
    Random rnd = new Random(seed);
    while (!stop.getAsBoolean()) {
      AtomicLong outstanding = new AtomicLong();
      AtomicLong badSent = new AtomicLong();
      AtomicLong errorsBack = new AtomicLong();
      Semaphore window = new Semaphore(WINDOW);
      CompletableFuture<Status> closed = new CompletableFuture<>();
      StreamObserver<ModelInferRequest> out = GRPCInferenceServiceGrpc.newStub(channel).modelStreamInfer(
          new StreamObserver<>() {
            @Override
            public void onNext(ModelStreamInferResponse r) {
              outstanding.decrementAndGet();
              window.release();
              tally.answered(OIP_STREAM, 1);
              if (r.getErrorMessage().isEmpty()) {
                tally.outcome(OIP_STREAM + " response", r.getInferResponse().getOutputsCount() > 0, "no outputs");
              } else {
                errorsBack.incrementAndGet();
                tally.outcome(OIP_STREAM + " error message", true, null);
              }
            }

            @Override
            public void onError(Throwable t) {
              closed.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
              closed.complete(Status.OK);
            }
          });
      for (int i = 0; i < requestsPerStream && !stop.getAsBoolean() && !closed.isDone(); i++) {
        if (!window.tryAcquire(SoakLoad.DEADLINE_S, TimeUnit.SECONDS)) {
          tally.outcome(OIP_STREAM + " window never freed", false, outstanding.get() + " requests pending");
          break;
        }
        boolean bad = rnd.nextInt(8) == 0;
        if (bad) badSent.incrementAndGet();
        outstanding.incrementAndGet();
        tally.sent(OIP_STREAM, 1);
        out.onNext(bad ? inputs.oipBad(model) : inputs.oip(model, rnd, 1));
        if (pauseMs > 0) Thread.sleep(pauseMs);
      }
      out.onCompleted();
      endOfStream(OIP_STREAM, closed, outstanding.get());
      if (errorsBack.get() != badSent.get()) {
        tally.outcome(OIP_STREAM + " error count", false, badSent + " bad requests, " + errorsBack + " errors");
      }
    }
  }

  private void endOfStream(String api, CompletableFuture<Status> closed, long pendingNow) throws InterruptedException {
    Status s;
    try {
      s = closed.get(CLOSE_WAIT_S, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      s = Status.DEADLINE_EXCEEDED.withDescription("the stream did not end within " + CLOSE_WAIT_S + " s");
    }
    tally.outcome(api + " end " + s.getCode(), s.isOk(), s.getDescription());
  }
}
