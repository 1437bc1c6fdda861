package dev.cerberus.model.input;

/**
 * A single input could not be used: the message says what was wrong and what is allowed.
 * The reason maps one to one onto a gRPC status code at the edge.
 */
public final class InputRejectedException extends Exception {

  /** Why the input was refused. */
  public enum Reason {
    /** The input is malformed, empty, of the wrong kind, or over a limit. */
    INVALID_ARGUMENT,
    /** The input is well-formed but needs more resources than allowed. */
    RESOURCE_EXHAUSTED
  }

  private final Reason reason;

  public InputRejectedException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public static InputRejectedException invalid(String message) {
    return new InputRejectedException(Reason.INVALID_ARGUMENT, message);
  }

  public Reason reason() {
    return reason;
  }
}
