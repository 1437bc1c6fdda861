package dev.cerberus.server.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Turns a request message that does not parse (invalid UTF-8 in a string field, a truncated
 * message, a wrong wire type) into INVALID_ARGUMENT for that call, and one over
 * cerberus.max-inbound-message-bytes into RESOURCE_EXHAUSTED naming the limit.
 *
 * <p>grpc-java parses a request inside its own call machinery, before any interceptor sees it;
 * a parse failure there ends the call as {@code UNKNOWN: Application error processing RPC} and
 * logs a SEVERE stack trace for what is the client's mistake. So the service is bound with raw
 * bytes on the wire ({@link ServerInterceptors#useMarshalledMessages}) and the parse into the
 * real request type happens inside a listener this class wraps, where the failure can be caught.
 *
 * <p>What the caller sees: the call ends with INVALID_ARGUMENT naming the method and what was
 * wrong. For a stream the bad message counts as the end of the client's input: items accepted
 * before it are still answered, then the stream closes with that status (nothing accepted is
 * lost).
 *
 * <p>Why the size limit is enforced here and not only by the transport: grpc-netty refuses an
 * oversized message on its 5-byte length prefix by resetting the HTTP/2 stream, which a client
 * whose stream has already received answers sees as CANCELLED, with no word about the limit.
 * So the transport is given {@link #TRANSPORT_FACTOR} times the limit and this class refuses
 * messages over the limit itself, with a status that names it. Memory stays bounded: no message
 * over the transport's maximum is ever read (the transport still refuses those, as before).
 */
public final class MalformedRequests {

  private MalformedRequests() {}

  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(MalformedRequests.class);

  /**
   * The transport's maximum message size is this many times cerberus.max-inbound-message-bytes:
   * messages between the two are read, then refused here with a clear status. Twice: every
   * plausible near miss gets the clear answer while a stream's partly read message costs at
   * most twice the limit in memory.
   */
  public static final int TRANSPORT_FACTOR = 2;

  /** The maximum message size to give the transport for a limit of {@code maxMessageBytes}. */
  public static int transportLimit(int maxMessageBytes) {
    return (int) Math.min(Integer.MAX_VALUE, (long) maxMessageBytes * TRANSPORT_FACTOR);
  }

  /** {@code service} with request parse failures answered as INVALID_ARGUMENT. */
  public static ServerServiceDefinition guard(ServerServiceDefinition service) {
    return guard(service, Integer.MAX_VALUE);
  }

  /**
   * {@code service} with parse failures answered as INVALID_ARGUMENT and messages over
   * {@code maxMessageBytes} (cerberus.max-inbound-message-bytes) as RESOURCE_EXHAUSTED.
   */
  public static ServerServiceDefinition guard(ServerServiceDefinition service,
      int maxMessageBytes) {
    return ServerInterceptors.intercept(
        ServerInterceptors.useMarshalledMessages(service, RAW_BYTES), new Guard(maxMessageBytes));
  }

  /**
   * Messages as their raw bytes (each is copied once more than with the generated marshaller:
   * the price of parsing where a failure can be answered).
   */
  public static final MethodDescriptor.Marshaller<byte[]> RAW_BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  /** The parse failure a message of the client caused, or null for anything else. */
  static String parseFailure(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof InvalidProtocolBufferException) {
        return c.getMessage();
      }
    }
    return null;
  }

  private static final class Guard implements ServerInterceptor {
    private final int maxMessageBytes;

    Guard(int maxMessageBytes) {
      this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
        ServerCallHandler<Q, R> next) {
      GuardedCall<Q, R> guarded = new GuardedCall<>(call);
      return new GuardedListener<>(next.startCall(guarded, headers), guarded, maxMessageBytes);
    }
  }

  /** Replaces the status the service closes with once a request was refused. */
  private static final class GuardedCall<Q, R>
      extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    /** Why the client's input ended early (a message that failed to parse or was too big). */
    private volatile Status refused;

    GuardedCall(ServerCall<Q, R> call) {
      super(call);
    }

    @Override
    public void close(Status status, Metadata trailers) {
      Status why = refused;
      if (why != null && (status.isOk() || status.getCode() == Status.Code.INTERNAL)) {
        status = why;
      }
      super.close(status, trailers);
    }
  }

  private static final class GuardedListener<Q, R>
      extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
    private final GuardedCall<Q, R> call;
    private final int maxMessageBytes;

    GuardedListener(ServerCall.Listener<Q> delegate, GuardedCall<Q, R> call,
        int maxMessageBytes) {
      super(delegate);
      this.call = call;
      this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    public void onMessage(Q message) {
      if (call.refused != null) {
        return; // input after a refused message is not trusted
      }
      String method = call.getMethodDescriptor().getFullMethodName();
      // messages arrive as raw bytes (useMarshalledMessages): their size is known before parsing
      if (message instanceof byte[] bytes && bytes.length > maxMessageBytes) {
        Status tooBig = Status.RESOURCE_EXHAUSTED.withDescription("a request message of "
            + method + " is " + bytes.length + " bytes; the limit is " + maxMessageBytes
            + " bytes per message (cerberus.max-inbound-message-bytes): send fewer or smaller"
            + " items per message");
        // one line, as TransportLog writes for the messages the transport itself refuses
        log.warn("refused a request message: {}: {}", tooBig.getCode(), tooBig.getDescription());
        endInput(tooBig);
        return;
      }
      try {
        super.onMessage(message);
      } catch (RuntimeException e) {
        String why = parseFailure(e);
        if (why == null) {
          throw e;
        }
        endInput(Status.INVALID_ARGUMENT.withDescription(
            "a request message of " + method + " is not valid protobuf: " + why));
      }
    }

    /** The end of the client's input: the service answers what it accepted, then closes. */
    private void endInput(Status why) {
      call.refused = why;
      super.onHalfClose();
    }

    @Override
    public void onHalfClose() {
      if (call.refused == null) {
        super.onHalfClose();
      }
    }
  }
}
