package dev.cerberus.server.grpc;

/**
 * Client-supplied strings (model names, versions, head names) as they may appear in an error
 * message. gRPC carries the message in a trailer; an 8 KB name echoed whole overflows the
 * client's metadata limit and turns a clear NOT_FOUND into RESOURCE_EXHAUSTED, so echoes are
 * bounded and control characters are escaped.
 */
public final class Echo {

  /** Characters of a client string kept in a message. */
  public static final int MAX_ECHO_CHARS = 64;

  private Echo() {}

  /** {@code s} with control characters escaped, cut to {@link #MAX_ECHO_CHARS} with a note. */
  public static String of(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_ECHO_CHARS) + 32);
    int n = Math.min(s.length(), MAX_ECHO_CHARS);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    if (s.length() > MAX_ECHO_CHARS) {
      b.append("... (").append(s.length()).append(" chars)");
    }
    return b.toString();
  }
}
