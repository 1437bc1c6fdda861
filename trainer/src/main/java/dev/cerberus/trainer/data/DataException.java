package dev.cerberus.trainer.data;

/** The data cannot be used as configured; the message names the file (and line) and the rule. */
public final class DataException extends RuntimeException {
  public DataException(String message) {
    super(message);
  }
}
