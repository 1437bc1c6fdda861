package dev.cerberus.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cerberus.server.SecurityTest.Certificates;
import dev.cerberus.server.metrics.PemSslContext;
import dev.cerberus.server.rest.RestClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The REST port behind the gRPC side's token and TLS, and drained like it on shutdown. */
class RestSecurityTest {

  private static final String BODY = "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 4], "
      + "\"datatype\": \"FP32\", \"data\": [1, 2, 3, 4]}]}";
  private static final String INFER = "/v2/models/vectors/infer";

  @TempDir Path dir;

  private static CerberusServer start(Map<String, String> extra) throws Exception {
    Path models = Path.of(RestSecurityTest.class.getResource("/oip").toURI());
    Map<String, String> s = new HashMap<>(Map.of("cerberus.port", "0",
        "cerberus.models", models.toString(), "cerberus.rest.port", "0"));
    s.putAll(extra);
    return CerberusServer.start(ServerSettings.from(s));
  }

  @Test
  void theTokenGuardsEverythingButHealth() throws Exception {
    try (CerberusServer server = start(Map.of("cerberus.auth.token", "s3cret"))) {
      RestClient anonymous = new RestClient(server.restPort());
      var r = anonymous.post(INFER, BODY);
      assertThat(r.status()).isEqualTo(401);
      assertThat(r.error()).contains("requires the header 'Authorization: Bearer <token>'");
      assertThat(anonymous.send(anonymous.request("/v2").GET(), "/v2").status()).isEqualTo(401);
      assertThat(anonymous.get("/v2/models/vectors").status()).isEqualTo(401);
      assertThat(anonymous.get("/v2/health/live").status()).isEqualTo(200);
      assertThat(anonymous.get("/v2/health/ready").status()).isEqualTo(200);

      RestClient wrong = new RestClient("http", server.restPort(), null, "Bearer guess");
      assertThat(wrong.post(INFER, BODY).error()).contains("valid token");
      RestClient right = new RestClient("http", server.restPort(), null, "bearer s3cret");
      var ok = right.post(INFER, BODY);
      assertThat(ok.status()).as(ok.text()).isEqualTo(200);
    }
  }

  @Test
  void tlsServesRestOverHttpsWithTheServerCertificate() throws Exception {
    Certificates c = Certificates.make(dir);
    try (CerberusServer server = start(Map.of(
        "cerberus.tls.cert", c.serverCert().toString(),
        "cerberus.tls.key", c.serverKey().toString()))) {
      RestClient https = new RestClient("https", server.restPort(), trusting(c.caCert()), null);
      var ok = https.post(INFER, BODY);
      assertThat(ok.status()).as(ok.text()).isEqualTo(200);
      RestClient plain = new RestClient(server.restPort());
      assertThatThrownBy(() -> plain.get("/v2/health/live")).isInstanceOf(IOException.class);
    }
  }

  @Test
  void mutualTlsRequiresAClientCertificate() throws Exception {
    Certificates c = Certificates.make(dir);
    try (CerberusServer server = start(Map.of(
        "cerberus.tls.cert", c.serverCert().toString(),
        "cerberus.tls.key", c.serverKey().toString(),
        "cerberus.tls.client-ca", c.caCert().toString()))) {
      RestClient withCert = new RestClient("https", server.restPort(),
          PemSslContext.of(c.clientCert(), c.clientKey(), Optional.of(c.caCert())), null);
      assertThat(withCert.get("/v2/health/ready").status()).isEqualTo(200);
      RestClient anonymous = new RestClient("https", server.restPort(), trusting(c.caCert()), null);
      assertThatThrownBy(() -> anonymous.get("/v2/health/ready")).isInstanceOf(IOException.class);
    }
  }

  /** Accepted work is answered; new requests get 503 and ready turns 503 while draining. */
  @Test
  void shutdownAnswersAcceptedRequestsAndRefusesNewOnes() throws Exception {
    CerberusServer server = start(Map.of(
        // a long batching window keeps the first request queued while shutdown starts
        "cerberus.batch.max-queue-delay-ms", "2000",
        "cerberus.drain-timeout-seconds", "30"));
    try {
      RestClient rest = new RestClient(server.restPort());
      CompletableFuture<RestClient.Reply> accepted = CompletableFuture.supplyAsync(() -> {
        try {
          return rest.post(INFER, BODY);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      var vectors = server.repository().resolve("vectors", "");
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (vectors.stats().queueDepth() == 0 && System.nanoTime() < until) {
        Thread.sleep(2);
      }
      assertThat(vectors.stats().queueDepth()).isEqualTo(1);
      Thread stopper = new Thread(server::shutdown);
      stopper.start();
      until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      int ready = 200;
      while (ready == 200 && System.nanoTime() < until) {
        ready = rest.get("/v2/health/ready").status();
      }
      assertThat(ready).isEqualTo(503);
      var refused = rest.post(INFER, BODY);
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.error()).contains("shutting down");

      var done = accepted.get(60, TimeUnit.SECONDS);
      assertThat(done.status()).as(done.text()).isEqualTo(200);
      assertThat(done.json().get("outputs")).isNotEmpty();
      stopper.join(60_000);
      assertThat(stopper.isAlive()).isFalse();
      assertThatThrownBy(() -> rest.send(rest.request("/v2/health/live").GET()
          .timeout(java.time.Duration.ofSeconds(5)), "/v2/health/live"))
          .isInstanceOf(IOException.class);
    } finally {
      server.shutdown();
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
