package dev.cerberus.client.cli;

import dev.cerberus.client.CerberusClient;
import dev.cerberus.client.RetryPolicy;
import dev.cerberus.client.TlsConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;

/** How to reach the server: shared by every subcommand. */
final class ConnectionOptions {
  @Option(names = "--target", split = ",", paramLabel = "HOST:PORT",
      defaultValue = "127.0.0.1:8500",
      description = "Server address; several (comma-separated or repeated) are used round-robin."
          + " Default: ${DEFAULT-VALUE}.")
  List<String> targets;

  @Option(names = "--token", paramLabel = "T", defaultValue = "${env:CERBERUS_TOKEN}",
      description = "Bearer token sent as 'authorization: Bearer T'. Default: $CERBERUS_TOKEN.")
  String token;

  @Option(names = "--tls", description = "Use TLS (implied by the other --tls-* options).")
  boolean tls;

  @Option(names = "--tls-ca", paramLabel = "FILE",
      description = "PEM certificate(s) to trust instead of the system's authorities.")
  Path tlsCa;

  @Option(names = "--tls-cert", paramLabel = "FILE",
      description = "Client certificate (PEM) for mutual TLS; needs --tls-key.")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE",
      description = "Client private key (PEM, PKCS#8) for mutual TLS.")
  Path tlsKey;

  @Option(names = "--tls-authority", paramLabel = "NAME",
      description = "Host name expected in the server's certificate, if not the target's host.")
  String tlsAuthority;

  @Option(names = "--deadline-ms", paramLabel = "N", defaultValue = "30000",
      description = "Deadline of each call in milliseconds, retries included."
          + " Default: ${DEFAULT-VALUE}.")
  long deadlineMs;

  @Option(names = "--retries", paramLabel = "N", defaultValue = "4",
      description = "Attempts per call when the server is UNAVAILABLE (1 = no retry)."
          + " Default: ${DEFAULT-VALUE}.")
  int attempts;

  @Option(names = "--max-message-mb", paramLabel = "N", defaultValue = "16",
      description = "Largest response accepted, in MiB. Default: ${DEFAULT-VALUE}.")
  int maxMessageMb;

  CerberusClient connect() {
    if (deadlineMs <= 0) {
      throw new IllegalArgumentException("--deadline-ms must be positive; got " + deadlineMs);
    }
    if (maxMessageMb < 1 || maxMessageMb > 2047) {
      throw new IllegalArgumentException(
          "--max-message-mb is " + maxMessageMb + "; allowed: 1..2047");
    }
    RetryPolicy defaults = RetryPolicy.DEFAULT;
    CerberusClient.Builder b = CerberusClient.builder()
        .targets(targets)
        .deadline(Duration.ofMillis(deadlineMs))
        .retryPolicy(new RetryPolicy(attempts, defaults.initialBackoff(), defaults.maxBackoff(),
            defaults.multiplier(), defaults.jitter()))
        .maxInboundMessageBytes(maxMessageMb * 1024 * 1024);
    if (token != null && !token.isEmpty()) {
      b.bearerToken(token);
    }
    if (tls || tlsCa != null || tlsCert != null || tlsKey != null || tlsAuthority != null) {
      b.tls(new TlsConfig(tlsCa, tlsCert, tlsKey, tlsAuthority));
    }
    return b.build();
  }
}
