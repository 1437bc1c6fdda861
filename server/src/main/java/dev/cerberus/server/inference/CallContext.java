package dev.cerberus.server.inference;

import io.grpc.Context;
import io.grpc.Deadline;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * What the batcher needs to know about the call an item belongs to: when its answer stops
 * being useful and whether anyone still waits for it. Items of a call whose deadline passed or
 * that was cancelled are dropped before compute (DEADLINE_EXCEEDED / CANCELLED).
 *
 * @param deadlineNanos {@link System#nanoTime()} after which the call is expired; only read
 *     when {@code hasDeadline}
 * @param hasDeadline false when the call has no deadline
 * @param cancelled true once the caller went away (polled, so it must be cheap)
 */
public record CallContext(long deadlineNanos, boolean hasDeadline, BooleanSupplier cancelled) {

  private static final BooleanSupplier NEVER = () -> false;

  /** No deadline, never cancelled. */
  public static CallContext none() {
    return new CallContext(0L, false, NEVER);
  }

  /** A deadline relative to now, never cancelled (tests, internal callers). */
  public static CallContext withTimeout(long timeout, TimeUnit unit) {
    return new CallContext(System.nanoTime() + unit.toNanos(timeout), true, NEVER);
  }

  /** The deadline and cancellation of a gRPC call, captured from its {@link Context}. */
  public static CallContext from(Context grpcContext) {
    Deadline deadline = grpcContext.getDeadline();
    BooleanSupplier cancelled = grpcContext::isCancelled;
    if (deadline == null) {
      return new CallContext(0L, false, cancelled);
    }
    return new CallContext(
        System.nanoTime() + deadline.timeRemaining(TimeUnit.NANOSECONDS), true, cancelled);
  }

  /** The calling thread's gRPC context (call this on the thread that runs the handler). */
  public static CallContext current() {
    return from(Context.current());
  }

  public boolean expired(long nowNanos) {
    return hasDeadline && nowNanos - deadlineNanos >= 0;
  }

  public boolean isCancelled() {
    return cancelled.getAsBoolean();
  }
}
