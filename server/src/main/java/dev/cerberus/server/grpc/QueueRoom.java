package dev.cerberus.server.grpc;

import dev.cerberus.server.inference.CallContext;
import io.grpc.Status;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Makes a stream message wait for room in its model version's queue instead of being refused.
 *
 * <p>Each stream may have {@code cerberus.stream.max-in-flight} items in flight, so a few busy
 * streams together can exceed {@code cerberus.batch.queue-capacity}; refusing their messages
 * then would answer most items RESOURCE_EXHAUSTED although every stream is already flow
 * controlled. A stream message refused because the queue was full is tried again after a short
 * back-off while its stream reads nothing more (its items still count as in flight), so the
 * pressure goes back to the clients through gRPC flow control. Unary calls are still refused at
 * once: their clients chose not to be flow controlled and can retry.
 */
public final class QueueRoom {

  /** First and largest pause between two tries; the queue drains a batch in milliseconds. */
  private static final long FIRST_PAUSE_MS = 2;
  private static final long MAX_PAUSE_MS = 50;

  private static final ScheduledExecutorService RETRIES =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cerberus-queue-room");
        t.setDaemon(true);
        return t;
      });

  private QueueRoom() {}

  /**
   * Runs {@code attempt} until it is not refused for a full queue, or the call's deadline passes
   * or it is cancelled (then the last refusal stands).
   */
  public static <T> CompletableFuture<T> await(Supplier<CompletableFuture<T>> attempt,
      BooleanSupplier hasRoom, CallContext context) {
    CompletableFuture<T> result = new CompletableFuture<>();
    tryOnce(attempt, hasRoom, context, result, FIRST_PAUSE_MS);
    return result;
  }

  private static <T> void tryOnce(Supplier<CompletableFuture<T>> attempt,
      BooleanSupplier hasRoom, CallContext context, CompletableFuture<T> result, long pauseMs) {
    attempt.get().whenComplete((value, error) -> {
      if (error == null) {
        result.complete(value);
      } else if (isQueueFull(error)) {
        waitForRoom(attempt, hasRoom, context, result, pauseMs, error);
      } else {
        result.completeExceptionally(error);
      }
    });
  }

  /**
   * Pauses, then tries again once the queue looks like it has room; looking first keeps a
   * waiting message from being counted as refused (cerberus_rejected metrics) on every pause.
   */
  private static <T> void waitForRoom(Supplier<CompletableFuture<T>> attempt,
      BooleanSupplier hasRoom, CallContext context, CompletableFuture<T> result, long pauseMs,
      Throwable refusal) {
    if (context.isCancelled()
        || context.expired(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pauseMs))) {
      result.completeExceptionally(refusal);
      return;
    }
    long next = Math.min(MAX_PAUSE_MS, pauseMs * 2);
    RETRIES.schedule(() -> {
      if (hasRoom.getAsBoolean()) {
        tryOnce(attempt, hasRoom, context, result, next);
      } else {
        waitForRoom(attempt, hasRoom, context, result, next, refusal);
      }
    }, pauseMs, TimeUnit.MILLISECONDS);
  }

  /** The refusal ServedModel gives when a version's queue has no room for the whole call. */
  static boolean isQueueFull(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null
        ? error.getCause() : error;
    Status status = Status.fromThrowable(cause);
    return status.getCode() == Status.Code.RESOURCE_EXHAUSTED
        && String.valueOf(status.getDescription()).contains("cerberus.batch.queue-capacity");
  }
}
