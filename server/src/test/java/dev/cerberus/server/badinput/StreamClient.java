package dev.cerberus.server.badinput;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** A bidirectional stream driven step by step from a test: send, finish, read what came back. */
final class StreamClient<Q, R> {

  /** What the stream answered and how it ended. */
  record Outcome<R>(List<R> messages, Status status) {}

  private final List<R> received = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Status> closed = new CompletableFuture<>();
  private volatile ClientCallStreamObserver<Q> call;
  private final StreamObserver<Q> requests;

  StreamClient(Function<StreamObserver<R>, StreamObserver<Q>> open) {
    requests = open.apply(new ClientResponseObserver<Q, R>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<Q> requestStream) {
        call = requestStream;
      }

      @Override
      public void onNext(R value) {
        received.add(value);
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
  }

  void send(Q message) {
    requests.onNext(message);
  }

  /** The answers so far. */
  List<R> received() {
    return List.copyOf(received);
  }

  /** Waits until {@code count} answers arrived (or 30 s passed). */
  void awaitAnswers(int count) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (received.size() < count && System.nanoTime() < end && !closed.isDone()) {
      Thread.sleep(5);
    }
  }

  /** Cancels the call from the client side, as a client that goes away does. */
  void cancel() {
    call.cancel("the test client went away", null);
  }

  /** Half-closes and waits for the end of the stream. */
  Outcome<R> finish() throws Exception {
    requests.onCompleted();
    return await();
  }

  /** Waits for the end of the stream without half-closing (the server ends it). */
  Outcome<R> await() throws Exception {
    Status status = closed.get(60, TimeUnit.SECONDS);
    return new Outcome<>(List.copyOf(received), status);
  }
}
