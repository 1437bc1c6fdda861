package dev.cerberus.client;

import java.nio.file.Path;

/**
 * Transport security. {@code trustCertFile} (PEM) replaces the system trust store when set;
 * {@code clientCertFile} and {@code clientKeyFile} (PEM, PKCS#8 key) enable mutual TLS and must
 * be given together; {@code authorityOverride} is the host name checked against the server's
 * certificate when it differs from the target's host (for example a test certificate).
 */
public record TlsConfig(
    Path trustCertFile, Path clientCertFile, Path clientKeyFile, String authorityOverride) {

  public TlsConfig {
    if ((clientCertFile == null) != (clientKeyFile == null)) {
      throw new IllegalArgumentException(
          "mutual TLS needs both a client certificate and its private key; got only the "
              + (clientCertFile == null ? "key" : "certificate"));
    }
  }

  /** TLS trusting the system's certificate authorities. */
  public static TlsConfig systemTrust() {
    return new TlsConfig(null, null, null, null);
  }

  public static TlsConfig trusting(Path trustCertFile) {
    return new TlsConfig(trustCertFile, null, null, null);
  }

  public TlsConfig withClientCertificate(Path certFile, Path keyFile) {
    return new TlsConfig(trustCertFile, certFile, keyFile, authorityOverride);
  }

  public TlsConfig withAuthorityOverride(String authority) {
    return new TlsConfig(trustCertFile, clientCertFile, clientKeyFile, authority);
  }
}
