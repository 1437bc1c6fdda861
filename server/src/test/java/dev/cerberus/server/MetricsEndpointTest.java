package dev.cerberus.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cerberus.server.SecurityTest.Certificates;
import dev.cerberus.server.metrics.PemSslContext;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The /metrics endpoint over real HTTP(S) on loopback: paths, methods, token, TLS. */
class MetricsEndpointTest {

  @TempDir Path dir;

  private static final HttpClient PLAIN = client(null);

  private CerberusServer start(Map<String, String> extra) throws Exception {
    Map<String, String> values = new HashMap<>(Map.of("cerberus.port", "0",
        "cerberus.metrics.port", "0", "cerberus.models", dir.resolve("models").toString()));
    values.putAll(extra);
    return CerberusServer.start(ServerSettings.from(values));
  }

  private static HttpClient client(SSLContext ssl) {
    HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10));
    return (ssl == null ? b : b.sslContext(ssl)).build();
  }

  private static HttpResponse<String> send(HttpClient client, String method, String url,
      String authorization) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url))
        .timeout(Duration.ofSeconds(20))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (authorization != null) {
      r.header("Authorization", authorization);
    }
    return client.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * One health check (open even with a token), so that cerberus_requests_total has a sample:
   * an empty page could not tell the exporter's output from no output.
   */
  private static void oneCall(CerberusServer server) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    try {
      HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance());
    } finally {
      channel.shutdownNow();
    }
  }

  private static String url(CerberusServer server, String scheme, String path) {
    return scheme + "://127.0.0.1:" + server.metricsPort() + path;
  }

  @Test
  void withoutTokenOnlyGetAndHeadOfMetricsAnswer() throws Exception {
    try (CerberusServer server = start(Map.of())) {
      oneCall(server);
      HttpResponse<String> page = send(PLAIN, "GET", url(server, "http", "/metrics"), null);
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("cerberus_requests_total");
      assertThat(send(PLAIN, "GET", url(server, "http", "/metrics?name[]=x"), null)
          .statusCode()).isEqualTo(200);
      HttpResponse<String> head = send(PLAIN, "HEAD", url(server, "http", "/metrics"), null);
      assertThat(head.statusCode()).isEqualTo(200);
      assertThat(head.body()).isEmpty();
      for (String path : new String[] {"/other", "/", "/-/healthy", "/metricsx", "/metrics/"}) {
        assertThat(send(PLAIN, "GET", url(server, "http", path), null).statusCode())
            .as(path).isEqualTo(404);
      }
      HttpResponse<String> post = send(PLAIN, "POST", url(server, "http", "/metrics"), null);
      assertThat(post.statusCode()).isEqualTo(405);
      assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
      assertThat(send(PLAIN, "DELETE", url(server, "http", "/metrics"), null).statusCode())
          .isEqualTo(405);
    }
  }

  @Test
  void tokenIsRequiredWithTheSchemeInAnyCase() throws Exception {
    try (CerberusServer server = start(Map.of("cerberus.auth.token", "s3cret"))) {
      oneCall(server);
      String metrics = url(server, "http", "/metrics");
      for (String bad : new String[] {null, "Bearer wrong", "Bearer s3cre", "s3cret",
          "Basic s3cret", "Bearer"}) {
        HttpResponse<String> r = send(PLAIN, "GET", metrics, bad);
        assertThat(r.statusCode()).as(String.valueOf(bad)).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
            v -> assertThat(v).startsWith("Bearer"));
        assertThat(r.body()).doesNotContain("cerberus_");
      }
      assertThat(send(PLAIN, "HEAD", metrics, null).statusCode()).isEqualTo(401);
      for (String good : new String[] {"Bearer s3cret", "bearer s3cret", "BEARER s3cret"}) {
        HttpResponse<String> r = send(PLAIN, "GET", metrics, good);
        assertThat(r.statusCode()).as(good).isEqualTo(200);
        assertThat(r.body()).contains("cerberus_requests_total");
      }
      assertThat(send(PLAIN, "HEAD", metrics, "bearer s3cret").statusCode()).isEqualTo(200);
      // a path that does not exist is 404 whether or not the caller has the token
      assertThat(send(PLAIN, "GET", url(server, "http", "/other"), null).statusCode())
          .isEqualTo(404);
    }
  }

  @Test
  void metricsAuthNoneLeavesMetricsOpenButNotGrpc() throws Exception {
    try (CerberusServer server = start(Map.of(
        "cerberus.auth.token", "s3cret", "cerberus.metrics.auth", "none"))) {
      assertThat(send(PLAIN, "GET", url(server, "http", "/metrics"), null).statusCode())
          .isEqualTo(200);
      assertThat(server.metricsPort()).isPositive();
    }
    assertThatThrownBy(() -> ServerSettings.from(Map.of("cerberus.metrics.auth", "off")))
        .hasMessageContaining("cerberus.metrics.auth").hasMessageContaining("token, none");
  }

  @Test
  void tlsServesMetricsOverHttpsWithTheServerCertificate() throws Exception {
    Certificates c = Certificates.make(dir);
    try (CerberusServer server = start(Map.of(
        "cerberus.tls.cert", c.serverCert().toString(),
        "cerberus.tls.key", c.serverKey().toString(),
        "cerberus.auth.token", "s3cret"))) {
      HttpClient https = client(trusting(c.caCert()));
      HttpResponse<String> page =
          send(https, "GET", url(server, "https", "/metrics"), "bearer s3cret");
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.headers().firstValue("Content-Type"))
          .hasValueSatisfying(v -> assertThat(v).startsWith("text/plain; version=0.0.4"));
      assertThat(send(https, "GET", url(server, "https", "/metrics"), null).statusCode())
          .isEqualTo(401);
      assertThat(send(https, "GET", url(server, "https", "/other"), "bearer s3cret")
          .statusCode()).isEqualTo(404);
      // plain HTTP to the TLS port gets no metrics
      assertThatThrownBy(() -> send(PLAIN, "GET", url(server, "http", "/metrics"),
          "bearer s3cret")).isInstanceOf(IOException.class);
    }
  }

  @Test
  void mutualTlsRequiresAClientCertificateForMetricsToo() throws Exception {
    Certificates c = Certificates.make(dir);
    try (CerberusServer server = start(Map.of(
        "cerberus.tls.cert", c.serverCert().toString(),
        "cerberus.tls.key", c.serverKey().toString(),
        "cerberus.tls.client-ca", c.caCert().toString()))) {
      HttpClient withCert = client(
          PemSslContext.of(c.clientCert(), c.clientKey(), Optional.of(c.caCert())));
      assertThat(send(withCert, "GET", url(server, "https", "/metrics"), null).statusCode())
          .isEqualTo(200);
      HttpClient anonymous = client(trusting(c.caCert()));
      assertThatThrownBy(() -> send(anonymous, "GET", url(server, "https", "/metrics"), null))
          .isInstanceOf(IOException.class);
    }
  }

  private static SSLContext trusting(Path caPem) throws Exception {
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    try (InputStream in = Files.newInputStream(caPem)) {
      trusted.setCertificateEntry("ca",
          CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trusted);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return ssl;
  }
}
