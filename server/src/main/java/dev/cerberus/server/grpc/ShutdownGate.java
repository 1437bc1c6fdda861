package dev.cerberus.server.grpc;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Refuses every new call with UNAVAILABLE once shutdown began, before any service sees it, so
 * that a client retries elsewhere instead of opening a stream that would be closed at once; and
 * counts the calls still open, so that shutdown knows when the last answer went out.
 *
 * <p>Health is neither refused nor counted: it is how load balancers learn the server is
 * NOT_SERVING, and a health Watch never ends by itself, so waiting for it would hold shutdown
 * for the whole drain timeout.
 */
public final class ShutdownGate implements ServerInterceptor {

  private volatile boolean closed;
  private final AtomicInteger open = new AtomicInteger();

  /** From now on new calls (except health) are refused. */
  public void close() {
    closed = true;
  }

  /** Calls other than health that have not finished yet. */
  public int openCalls() {
    return open.get();
  }

  /** Waits until no counted call is open, or the timeout passes; true when none is. */
  public boolean awaitNoCalls(Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (open.get() > 0) {
      if (System.nanoTime() - end >= 0) {
        return false;
      }
      TimeUnit.MILLISECONDS.sleep(5);
    }
    return true;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    if (HealthGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())) {
      return next.startCall(call, headers);
    }
    if (closed) {
      call.close(Status.UNAVAILABLE.withDescription(
          "the server is shutting down and accepts no new calls; retry on another replica"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    open.incrementAndGet();
    AtomicBoolean done = new AtomicBoolean();
    Runnable finished = () -> {
      if (done.compareAndSet(false, true)) {
        open.decrementAndGet();
      }
    };
    ServerCall.Listener<Q> listener;
    try {
      listener = next.startCall(call, headers);
    } catch (RuntimeException e) {
      finished.run();
      throw e;
    }
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onComplete() {
        finished.run();
        super.onComplete();
      }

      @Override
      public void onCancel() {
        finished.run();
        super.onCancel();
      }
    };
  }
}
