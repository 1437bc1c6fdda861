package dev.cerberus.model.fuzz;

import java.util.regex.Pattern;

/**
 * What every fuzz target asserts of a refusal: the message is for a person (one line without
 * control characters, names no Java class). A violation throws {@link AssertionError}, which Jazzer reports
 * as a finding like any other uncaught throwable.
 */
public final class FuzzChecks {

  // a Java class name as exceptions print it (java.io.EOFException, dev.cerberus.X$Y)
  private static final Pattern CLASS_NAME =
      Pattern.compile("\\b(java|javax|com\\.sun|sun|jdk|dev\\.cerberus|ai\\.djl|com\\.fasterxml)\\.[a-z]+\\.[A-Za-z.$]*");
  private static final Pattern EXCEPTION_WORD = Pattern.compile("[A-Z][A-Za-z]*(Exception|Error)\\b");

  private FuzzChecks() {}

  /** A client- or operator-facing message: non-empty, one line, no class names or frames. */
  public static void readable(String message, String what) {
    if (message == null || message.isBlank()) throw new AssertionError(what + ": empty message");
    // control characters (a newline, a tab before "at ") would split or forge a log line
    if (message.chars().anyMatch(Character::isISOControl)) {
      throw new AssertionError(what + ": message holds a control character: " + message);
    }
    if (CLASS_NAME.matcher(message).find() || EXCEPTION_WORD.matcher(message).find()) {
      throw new AssertionError(what + ": message names a Java class: " + message);
    }
  }

  /** Every value finite: a decoder or normaliser must never hand NaN or infinity to the model. */
  public static void finite(float[] values, String what) {
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        throw new AssertionError(what + ": value " + i + " is " + values[i]);
      }
    }
  }
}
