package dev.cerberus.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grpc.Server;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS and mutual TLS against a loopback server, with certificates made by openssl. */
class TlsTest {
  @TempDir static Path dir;
  private static Server server;
  private static String target;

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(openssl("version"), "openssl is needed to make test certificates");
    Files.writeString(dir.resolve("san.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    String ec = "ec:" + dir.resolve("p256.pem");
    assumeTrue(openssl("ecparam", "-name", "prime256v1", "-out", dir.resolve("p256.pem").toString()));
    assertThat(openssl("req", "-x509", "-newkey", ec, "-nodes", "-keyout", "ca.key", "-out",
        "ca.pem", "-days", "2", "-subj", "/CN=cerberus-test-ca")).isTrue();
    for (String who : List.of("server", "client")) {
      assertThat(openssl("req", "-newkey", ec, "-nodes", "-keyout", who + ".key", "-out",
          who + ".csr", "-subj", "/CN=" + who)).isTrue();
      assertThat(openssl("x509", "-req", "-in", who + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
          "-CAcreateserial", "-out", who + ".pem", "-days", "2", "-extfile", "san.cnf")).isTrue();
    }
    TlsServerCredentials.Builder creds = TlsServerCredentials.newBuilder()
        .keyManager(dir.resolve("server.pem").toFile(), dir.resolve("server.key").toFile())
        .trustManager(dir.resolve("ca.pem").toFile())
        .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), creds.build())
        .addService(new FakeClassifier()).build().start();
    target = "127.0.0.1:" + server.getPort();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static boolean openssl(String... args) throws InterruptedException {
    List<String> command = new java.util.ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).directory(dir.toFile())
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void mutualTlsCallSucceeds() {
    TlsConfig tls = TlsConfig.trusting(dir.resolve("ca.pem"))
        .withClientCertificate(dir.resolve("client.pem"), dir.resolve("client.key"));
    try (CerberusClient client = CerberusClient.builder().target(target).tls(tls).build()) {
      assertThat(client.listModels().getModels(0).getName()).isEqualTo("fashion");
    }
  }

  @Test
  void withoutAClientCertificateTheServerRefuses() {
    try (CerberusClient client = CerberusClient.builder().target(target)
        .tls(TlsConfig.trusting(dir.resolve("ca.pem"))).retryPolicy(RetryPolicy.none()).build()) {
      assertThatThrownBy(client::listModels).isInstanceOf(CerberusException.class);
    }
  }

  @Test
  void plaintextClientCannotTalkToATlsServer() {
    try (CerberusClient client = CerberusClient.builder().target(target)
        .retryPolicy(RetryPolicy.none()).build()) {
      assertThatThrownBy(client::listModels).isInstanceOfSatisfying(CerberusException.class,
          e -> assertThat(e.code()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE));
    }
  }
}
