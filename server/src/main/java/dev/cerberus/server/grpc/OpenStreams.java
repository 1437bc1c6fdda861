package dev.cerberus.server.grpc;

import io.grpc.Status;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The streaming calls open right now, so that shutdown can end them cleanly: a stream that
 * never half-closes would otherwise hold the server for the whole drain timeout and then be
 * cut with CANCELLED. On {@link #drain()} every stream stops reading, answers the items it
 * already accepted, then closes with {@link #SHUTTING_DOWN} (UNAVAILABLE: the client knows to
 * resend what was not answered elsewhere).
 */
public final class OpenStreams {

  /** A stream that can be asked to finish what it accepted and close. */
  public interface Stream {
    /** Stop reading; close once every accepted item is answered. Idempotent. */
    void drain();
  }

  /** The status a drained stream closes with. */
  public static final Status SHUTTING_DOWN = Status.UNAVAILABLE.withDescription(
      "the server is shutting down: every item this stream sent that was not answered was "
          + "never accepted; resend those to another replica");

  private final Set<Stream> open = ConcurrentHashMap.newKeySet();
  private volatile boolean draining;

  /** Registers a new stream; one opened after {@link #drain()} is drained at once. */
  public void opened(Stream stream) {
    open.add(stream);
    if (draining) {
      stream.drain();
    }
  }

  public void closed(Stream stream) {
    open.remove(stream);
  }

  /** Asks every open stream, and every later one, to finish and close. */
  public void drain() {
    draining = true;
    open.forEach(Stream::drain);
  }

  /** Streams not yet closed (for the shutdown log). */
  public int count() {
    return open.size();
  }
}
