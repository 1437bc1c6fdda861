package dev.cerberus.server.rest;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The REST side of a graceful shutdown, like the gRPC ShutdownGate: once closed, new requests
 * are refused with 503 (health live still answers), and the requests already accepted are
 * counted until their answers are written, so shutdown knows when the last one went out.
 */
final class RestDrain {

  private volatile boolean closed;
  private final AtomicInteger open = new AtomicInteger();

  void close() {
    closed = true;
  }

  boolean isClosed() {
    return closed;
  }

  void opened() {
    open.incrementAndGet();
  }

  void finished() {
    open.decrementAndGet();
  }

  int openRequests() {
    return open.get();
  }

  /** Waits until no accepted request is unanswered, or the timeout passes; true when none is. */
  boolean awaitNoRequests(Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (open.get() > 0) {
      if (System.nanoTime() - end >= 0) {
        return false;
      }
      TimeUnit.MILLISECONDS.sleep(5);
    }
    return true;
  }
}
