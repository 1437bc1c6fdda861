package dev.cerberus.client;

import dev.cerberus.proto.v1.ClassifierGrpc;
import dev.cerberus.proto.v1.ClassifyStreamRequest;
import dev.cerberus.proto.v1.ClassifyStreamResponse;
import dev.cerberus.proto.v1.Item;
import dev.cerberus.proto.v1.ItemResult;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * One bidirectional ClassifyStream call with bounded memory on the client side.
 *
 * <p>{@link #send} blocks while {@code maxInFlight} items are sent and unanswered, or while the
 * transport is not ready for more (gRPC flow control, {@code isReady}/{@code onReadyHandler}),
 * so a producer of millions of items holds at most {@code maxInFlight} items plus one message.
 * Results go to the consumer on a gRPC thread, one response message at a time, possibly in a
 * different order than sent; a slow consumer slows the server's sending (inbound flow control).
 *
 * <p>Items are packed {@code itemsPerMessage} to a message; {@link #flush} sends a partial
 * message now, {@link #close} sends the rest, half-closes and waits for every result. Not for
 * use by several producer threads at once.
 */
public final class ClassifyStream implements AutoCloseable {
  private final StreamOptions options;
  private final Consumer<ItemResult> consumer;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final List<Item> pending = new ArrayList<>();

  // Guarded by lock.
  private ClientCallStreamObserver<ClassifyStreamRequest> requests;
  private long unanswered;
  private long sent;
  private long answered;
  private boolean firstMessage = true;
  private boolean halfClosed;
  private boolean finished;
  private boolean closed;
  private Throwable failure;

  private ClassifyStream(StreamOptions options, Consumer<ItemResult> consumer) {
    this.options = options;
    this.consumer = consumer;
  }

  static ClassifyStream open(
      ClassifierGrpc.ClassifierStub stub, StreamOptions options, Consumer<ItemResult> consumer) {
    ClassifyStream stream = new ClassifyStream(options, consumer);
    stub.classifyStream(stream.new Responses());
    return stream;
  }

  /** Queues one item; blocks while the in-flight bound or flow control says wait. */
  public void send(Item item) {
    lock.lock();
    try {
      ensureUsable();
      while (unanswered + pending.size() >= options.maxInFlight()) {
        if (!pending.isEmpty() && requests.isReady()) {
          flushLocked();
        } else {
          awaitChange();
        }
      }
      pending.add(item);
      if (pending.size() >= options.itemsPerMessage()) {
        sendPendingLocked();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Sends the queued items now instead of waiting for a full message. */
  public void flush() {
    lock.lock();
    try {
      ensureUsable();
      sendPendingLocked();
    } finally {
      lock.unlock();
    }
  }

  /** Items sent and not yet answered. */
  public long inFlight() {
    lock.lock();
    try {
      return unanswered;
    } finally {
      lock.unlock();
    }
  }

  /** Results received so far. */
  public long answered() {
    lock.lock();
    try {
      return answered;
    } finally {
      lock.unlock();
    }
  }

  /** Abandons the stream; results not yet received are lost and {@link #close} throws. */
  public void cancel(String reason) {
    lock.lock();
    try {
      if (!finished) {
        requests.cancel(reason, null);
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Sends what is queued, half-closes and waits until the server has answered every item.
   *
   * @throws CerberusException when the stream failed (the consumer saw every result received
   *     before the failure)
   */
  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      if (failure == null && !finished) {
        sendPendingLocked();
        requests.onCompleted();
        halfClosed = true;
      }
      while (!finished) {
        awaitChange();
      }
      if (failure != null) {
        throw CerberusException.from(failure);
      }
    } finally {
      lock.unlock();
    }
  }

  // The call's own failure explains more than "closed", so it is reported first.
  private void ensureUsable() {
    if (failure != null) {
      throw CerberusException.from(failure);
    }
    if (finished) {
      throw new CerberusException(
          Status.Code.INTERNAL, "server ended the stream before the client finished sending", null);
    }
    if (closed) {
      throw new IllegalStateException("stream is closed");
    }
  }

  private void sendPendingLocked() {
    while (!pending.isEmpty()) {
      if (requests.isReady()) {
        flushLocked();
      } else {
        awaitChange();
        if (failure != null || finished) {
          ensureUsable();
        }
      }
    }
  }

  private void flushLocked() {
    ClassifyStreamRequest.Builder message = ClassifyStreamRequest.newBuilder().addAllItems(pending);
    if (firstMessage) {
      // Later messages leave the model empty: the server keeps the first message's settings.
      message.setModel(options.model()).setVersion(options.version())
          .addAllHeads(options.heads());
      firstMessage = false;
    }
    requests.onNext(message.build());
    unanswered += pending.size();
    sent += pending.size();
    pending.clear();
  }

  /** Waits for a result, readiness or the end of the call; ends the stream on interrupt. */
  private void awaitChange() {
    if (failure != null) {
      throw CerberusException.from(failure);
    }
    try {
      changed.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      requests.cancel("producer interrupted", e);
      throw new CerberusException(Status.Code.CANCELLED, "interrupted while streaming", e);
    }
    if (failure != null && !closed) {
      throw CerberusException.from(failure);
    }
  }

  private void signal() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private final class Responses
      implements ClientResponseObserver<ClassifyStreamRequest, ClassifyStreamResponse> {

    @Override
    public void beforeStart(ClientCallStreamObserver<ClassifyStreamRequest> requestStream) {
      requests = requestStream;
      requestStream.setOnReadyHandler(ClassifyStream.this::signal);
    }

    @Override
    public void onNext(ClassifyStreamResponse response) {
      try {
        for (ItemResult result : response.getResultsList()) {
          consumer.accept(result);
        }
      } catch (RuntimeException e) {
        lock.lock();
        try {
          if (failure == null) {
            failure = new CerberusException(
                Status.Code.CANCELLED, "result consumer failed: " + e.getMessage(), e);
          }
          changed.signalAll();
        } finally {
          lock.unlock();
        }
        requests.cancel("result consumer failed", e);
        return;
      }
      lock.lock();
      try {
        unanswered -= response.getResultsCount();
        answered += response.getResultsCount();
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void onError(Throwable t) {
      lock.lock();
      try {
        if (failure == null) {
          failure = t;
        }
        finished = true;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void onCompleted() {
      lock.lock();
      try {
        if (failure == null && (!halfClosed || unanswered > 0)) {
          failure = new CerberusException(Status.Code.INTERNAL,
              "server ended the stream with " + (unanswered + pending.size())
                  + " items unanswered (" + sent + " sent, " + answered + " answered)", null);
        }
        finished = true;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }
}
