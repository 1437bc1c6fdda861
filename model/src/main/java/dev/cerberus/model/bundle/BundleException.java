package dev.cerberus.model.bundle;

/**
 * A bundle could not be read, validated or written. The message names the file and the field
 * that failed and what was expected, so an operator can fix the bundle without reading code.
 */
public final class BundleException extends Exception {

  public BundleException(String message) {
    super(message);
  }

  public BundleException(String message, Throwable cause) {
    super(message, cause);
  }
}
