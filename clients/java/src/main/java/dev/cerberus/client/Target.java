package dev.cerberus.client;

/** A server address, {@code host:port} ({@code [v6addr]:port} for IPv6 literals). */
public record Target(String host, int port) {

  public Target {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("target host is empty");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("target port is " + port + "; allowed: 1..65535");
    }
  }

  public static Target parse(String text) {
    String s = text == null ? "" : text.trim();
    int colon = s.lastIndexOf(':');
    if (colon <= 0 || colon == s.length() - 1) {
      throw new IllegalArgumentException(
          "target '" + text + "' is not HOST:PORT (for example 127.0.0.1:8500)");
    }
    String host = s.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(s.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "target '" + text + "' has a port that is not a number; expected HOST:PORT");
    }
    return new Target(host, port);
  }

  /** The gRPC target string for this address. */
  public String authority() {
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }

  @Override
  public String toString() {
    return authority();
  }
}
