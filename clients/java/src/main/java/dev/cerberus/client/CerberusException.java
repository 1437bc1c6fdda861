package dev.cerberus.client;

import io.grpc.Status;

/**
 * A call-level failure: the gRPC status code and the server's explanation. Per-item problems
 * are not exceptions; they arrive as {@code ItemResult.error} next to the other items' results.
 */
public final class CerberusException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Status.Code code;
  private final String serverMessage;

  public CerberusException(Status.Code code, String serverMessage, Throwable cause) {
    super(serverMessage == null || serverMessage.isEmpty()
        ? code.name() : code.name() + ": " + serverMessage, cause);
    this.code = code;
    this.serverMessage = serverMessage == null ? "" : serverMessage;
  }

  /** Wraps anything thrown by a gRPC call; a non-gRPC throwable becomes {@code UNKNOWN}. */
  public static CerberusException from(Throwable t) {
    if (t instanceof CerberusException ce) {
      return ce;
    }
    Status status = Status.fromThrowable(t);
    String message = status.getDescription();
    Throwable cause = status.getCause();
    if (cause != null && cause.getMessage() != null) {
      // Local transport failures say only "io exception"; the cause says which.
      message = message == null ? cause.getMessage() : message + ": " + cause.getMessage();
    }
    return new CerberusException(status.getCode(), message, t);
  }

  public Status.Code code() {
    return code;
  }

  /** The status description sent by the server (or the local cause), never null. */
  public String serverMessage() {
    return serverMessage;
  }
}
