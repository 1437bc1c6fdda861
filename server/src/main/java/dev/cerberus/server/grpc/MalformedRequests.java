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
 * message, a wrong wire type) into INVALID_ARGUMENT for that call.
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
 */
public final class MalformedRequests {

  private MalformedRequests() {}

  /** {@code service} with request parse failures answered as INVALID_ARGUMENT. */
  public static ServerServiceDefinition guard(ServerServiceDefinition service) {
    return ServerInterceptors.intercept(
        ServerInterceptors.useMarshalledMessages(service, RAW_BYTES), new Guard());
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
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
        ServerCallHandler<Q, R> next) {
      GuardedCall<Q, R> guarded = new GuardedCall<>(call);
      return new GuardedListener<>(next.startCall(guarded, headers), guarded);
    }
  }

  /** Replaces the status the service closes with once a request failed to parse. */
  private static final class GuardedCall<Q, R>
      extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    private volatile String malformed;

    GuardedCall(ServerCall<Q, R> call) {
      super(call);
    }

    @Override
    public void close(Status status, Metadata trailers) {
      String why = malformed;
      if (why != null && (status.isOk() || status.getCode() == Status.Code.INTERNAL)) {
        status = Status.INVALID_ARGUMENT.withDescription("a request message of "
            + getMethodDescriptor().getFullMethodName() + " is not valid protobuf: " + why);
      }
      super.close(status, trailers);
    }
  }

  private static final class GuardedListener<Q, R>
      extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
    private final GuardedCall<Q, R> call;

    GuardedListener(ServerCall.Listener<Q> delegate, GuardedCall<Q, R> call) {
      super(delegate);
      this.call = call;
    }

    @Override
    public void onMessage(Q message) {
      if (call.malformed != null) {
        return; // input after a bad message is not trusted
      }
      try {
        super.onMessage(message);
      } catch (RuntimeException e) {
        String why = parseFailure(e);
        if (why == null) {
          throw e;
        }
        call.malformed = why;
        // the end of the client's input: the service answers what it accepted, then closes
        super.onHalfClose();
      }
    }

    @Override
    public void onHalfClose() {
      if (call.malformed == null) {
        super.onHalfClose();
      }
    }
  }
}
