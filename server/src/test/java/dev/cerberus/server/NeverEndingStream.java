package dev.cerberus.server;

import dev.cerberus.proto.v1.ClassifierGrpc;
import dev.cerberus.proto.v1.ClassifyStreamRequest;
import dev.cerberus.proto.v1.ClassifyStreamResponse;
import dev.cerberus.proto.v1.ItemResult;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A ClassifyStream client that sends small image messages for as long as gRPC lets it (client
 * flow control: only while the call is ready) and half-closes only when told to, counting what
 * it sent and what came back: the way a long-lived producer looks to a server that is asked to
 * stop or reloads its models.
 */
final class NeverEndingStream implements ClientResponseObserver<ClassifyStreamRequest,
    ClassifyStreamResponse> {

  private static final int ITEMS_PER_MESSAGE = 4;
  /**
   * Items sent and not yet answered at most. Well above the server's per-stream window, so the
   * server always has more to read; bounded, so that the backlog a half-close must wait for
   * stays small on a slow machine (gRPC's own buffers would let about a megabyte pile up).
   */
  private static final int MAX_UNANSWERED = 512;
  private static final byte[][] IMAGES = {
      TestInputs.png(16, 16, 1), TestInputs.png(16, 16, 2), TestInputs.png(16, 16, 3)};

  final AtomicLong sent = new AtomicLong();
  final AtomicLong predicted = new AtomicLong();
  final AtomicLong itemErrors = new AtomicLong();
  /** The first per-item error message, for assertion messages. */
  volatile String firstError;
  /** The codes of the per-item errors received. */
  final java.util.Set<String> errorCodes = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** Model versions that answered. */
  final java.util.Set<String> versions = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** The status the stream ended with, and when (System.nanoTime()). */
  final CompletableFuture<Status> closed = new CompletableFuture<>();
  volatile long closedAtNanos;
  private final String model;
  private ClientCallStreamObserver<ClassifyStreamRequest> requests;
  private boolean first = true;
  private boolean finished;

  private NeverEndingStream(String model) {
    this.model = model;
  }

  static NeverEndingStream open(ManagedChannel channel, String model) {
    NeverEndingStream stream = new NeverEndingStream(model);
    ClassifierGrpc.newStub(channel).classifyStream(stream);
    return stream;
  }

  /** Stops sending and half-closes: the server then answers the rest and completes. */
  synchronized void finish() {
    if (!finished) {
      finished = true;
      requests.onCompleted();
    }
  }

  long answered() {
    return predicted.get() + itemErrors.get();
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<ClassifyStreamRequest> requestStream) {
    requests = requestStream;
    requestStream.setOnReadyHandler(this::pump);
  }

  private synchronized void pump() {
    while (requests.isReady() && !closed.isDone() && !finished
        && sent.get() - answered() < MAX_UNANSWERED) {
      ClassifyStreamRequest.Builder message = ClassifyStreamRequest.newBuilder();
      if (first) {
        message.setModel(model);
        first = false;
      }
      for (int i = 0; i < ITEMS_PER_MESSAGE; i++) {
        long n = sent.get() + i;
        message.addItems(CerberusServerTest.image("s" + n, IMAGES[(int) (n % IMAGES.length)]));
      }
      sent.addAndGet(ITEMS_PER_MESSAGE);
      requests.onNext(message.build());
    }
  }

  @Override
  public void onNext(ClassifyStreamResponse response) {
    count(response);
    pump(); // room under MAX_UNANSWERED again
  }

  private void count(ClassifyStreamResponse response) {
    versions.add(response.getVersion());
    for (ItemResult r : response.getResultsList()) {
      if (!r.hasPrediction()) {
        errorCodes.add(r.getError().getCode().name());
        if (firstError == null) {
          firstError = r.getError().toString();
        }
      }
      (r.hasPrediction() ? predicted : itemErrors).incrementAndGet();
    }
  }

  @Override
  public void onError(Throwable t) {
    closedAtNanos = System.nanoTime();
    closed.complete(Status.fromThrowable(t));
  }

  @Override
  public void onCompleted() {
    closedAtNanos = System.nanoTime();
    closed.complete(Status.OK);
  }
}
