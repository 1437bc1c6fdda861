package dev.cerberus.trainer;

/** A run cannot go on; the message says which input, where, and what is allowed. */
public final class TrainerException extends RuntimeException {
  public TrainerException(String message) {
    super(message);
  }

  public TrainerException(String message, Throwable cause) {
    super(message, cause);
  }
}
