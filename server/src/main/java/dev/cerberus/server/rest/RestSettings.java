package dev.cerberus.server.rest;

import java.time.Duration;

/**
 * The OIP v2 HTTP/REST front-end's settings (docs/settings.md, "cerberus.rest.*"). Host, TLS
 * and the auth token are the gRPC server's; the body limit is the gRPC message limit.
 *
 * @param port HTTP port; -1 = off, 0 = any free port (cerberus.rest.port)
 * @param threads Netty event-loop threads that parse and answer requests; inference itself
 *     runs on the batcher's threads (cerberus.rest.threads)
 * @param maxBodyBytes largest request body, JSON and binary tensor data together; more is 413
 *     (cerberus.max-inbound-message-bytes)
 * @param requestTimeout deadline of every inference request; the batcher drops items whose
 *     deadline passed and the client gets 504 (cerberus.rest.request-timeout-seconds)
 * @param idleTimeout a connection that sends nothing for this long while no request of it is
 *     being answered is closed, so half-sent requests cannot hold connections forever
 *     (cerberus.rest.idle-timeout-seconds)
 */
public record RestSettings(
    int port, int threads, int maxBodyBytes, Duration requestTimeout, Duration idleTimeout) {

  public RestSettings {
    if (port < -1 || port > 65535) {
      throw new IllegalArgumentException("cerberus.rest.port must be -1..65535, got " + port);
    }
    if (threads < 1) {
      throw new IllegalArgumentException("cerberus.rest.threads must be >= 1, got " + threads);
    }
    if (maxBodyBytes < 1) {
      throw new IllegalArgumentException(
          "cerberus.max-inbound-message-bytes must be >= 1, got " + maxBodyBytes);
    }
    if (requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException("cerberus.rest.request-timeout-seconds must be > 0");
    }
    if (idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException("cerberus.rest.idle-timeout-seconds must be > 0");
    }
  }

  public boolean enabled() {
    return port >= 0;
  }
}
