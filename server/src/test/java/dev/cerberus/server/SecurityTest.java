package dev.cerberus.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cerberus.proto.v1.ClassifierGrpc;
import dev.cerberus.proto.v1.ListModelsRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Token auth, TLS and mutual TLS on a real Netty server, with certificates made by openssl. */
class SecurityTest {

  @TempDir Path dir;

  private CerberusServer start(Map<String, String> extra) throws Exception {
    var values = new java.util.HashMap<String, String>(Map.of(
        "cerberus.port", "0", "cerberus.models", dir.resolve("models").toString()));
    values.putAll(extra);
    return CerberusServer.start(ServerSettings.from(values));
  }

  private static ClassifierGrpc.ClassifierBlockingStub classifier(ManagedChannel channel) {
    return ClassifierGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  private static Metadata bearer(String token) {
    return authorization("Bearer " + token);
  }

  private static Metadata authorization(String value) {
    Metadata m = new Metadata();
    m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), value);
    return m;
  }

  @Test
  void tokenIsRequiredExceptForHealth() throws Exception {
    try (CerberusServer server = start(Map.of("cerberus.auth.token", "s3cret"))) {
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      try {
        assertUnauthenticated(() -> classifier(channel).listModels(
            ListModelsRequest.getDefaultInstance()), "requires");
        assertUnauthenticated(() -> classifier(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer("wrong")))
            .listModels(ListModelsRequest.getDefaultInstance()), "not valid");
        assertUnauthenticated(() -> classifier(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(authorization("s3cret")))
            .listModels(ListModelsRequest.getDefaultInstance()), "must be 'Bearer <token>'");
        assertThat(classifier(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer("s3cret")))
            .listModels(ListModelsRequest.getDefaultInstance()).getModelsList()).isEmpty();
        // the scheme is case-insensitive (RFC 7235): lowercase clients are not refused
        assertThat(classifier(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(
                authorization("bearer s3cret")))
            .listModels(ListModelsRequest.getDefaultInstance()).getModelsList()).isEmpty();
        assertThat(HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
            .check(HealthCheckRequest.getDefaultInstance()).getStatus())
            .isEqualTo(ServingStatus.SERVING);
      } finally {
        channel.shutdownNow();
      }
    }
  }

  private static void assertUnauthenticated(Runnable call, String message) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(e.getStatus().getDescription()).contains(message);
    });
  }

  @Test
  void tlsServesClientsThatTrustTheCertificate() throws Exception {
    Certificates c = Certificates.make(dir);
    try (CerberusServer server = start(Map.of(
        "cerberus.tls.cert", c.serverCert().toString(),
        "cerberus.tls.key", c.serverKey().toString()))) {
      ManagedChannel tls = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
          .sslContext(GrpcSslContexts.forClient().trustManager(c.caCert().toFile()).build())
          .build();
      ManagedChannel plain =
          NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      try {
        assertThat(classifier(tls).listModels(ListModelsRequest.getDefaultInstance())
            .getModelsList()).isEmpty();
        assertThatThrownBy(() -> classifier(plain)
            .listModels(ListModelsRequest.getDefaultInstance()))
            .isInstanceOf(StatusRuntimeException.class);
      } finally {
        tls.shutdownNow();
        plain.shutdownNow();
      }
    }
  }

  @Test
  void mutualTlsRefusesClientsWithoutACertificate() throws Exception {
    Certificates c = Certificates.make(dir);
    try (CerberusServer server = start(Map.of(
        "cerberus.tls.cert", c.serverCert().toString(),
        "cerberus.tls.key", c.serverKey().toString(),
        "cerberus.tls.client-ca", c.caCert().toString()))) {
      SslContextBuilder withCert = GrpcSslContexts.forClient()
          .trustManager(c.caCert().toFile())
          .keyManager(c.clientCert().toFile(), c.clientKey().toFile());
      ManagedChannel good = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
          .sslContext(withCert.build()).build();
      ManagedChannel anonymous = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
          .sslContext(GrpcSslContexts.forClient().trustManager(c.caCert().toFile()).build())
          .build();
      try {
        assertThat(classifier(good).listModels(ListModelsRequest.getDefaultInstance())
            .getModelsList()).isEmpty();
        assertThatThrownBy(() -> classifier(anonymous)
            .listModels(ListModelsRequest.getDefaultInstance()))
            .isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
      } finally {
        good.shutdownNow();
        anonymous.shutdownNow();
      }
    }
  }

  /** A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by it. */
  record Certificates(Path caCert, Path serverCert, Path serverKey, Path clientCert,
      Path clientKey) {

    static Certificates make(Path dir) throws Exception {
      Assumptions.assumeTrue(new File("/usr/bin/openssl").canExecute()
          || new File("/bin/openssl").canExecute(), "openssl is not installed");
      Path d = Files.createDirectories(dir.resolve("certs"));
      Files.writeString(d.resolve("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
      String ec = "ec -pkeyopt ec_paramgen_curve:prime256v1";
      run(d, "openssl req -x509 -newkey " + ec + " -nodes -keyout ca.key -out ca.crt -days 2"
          + " -subj /CN=cerberus-test-ca");
      run(d, "openssl req -newkey " + ec + " -nodes -keyout server.key -out server.csr"
          + " -subj /CN=localhost");
      run(d, "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial"
          + " -out server.crt -days 2 -extfile san.ext");
      run(d, "openssl req -newkey " + ec + " -nodes -keyout client.key -out client.csr"
          + " -subj /CN=cerberus-test-client");
      run(d, "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial"
          + " -out client.crt -days 2");
      return new Certificates(d.resolve("ca.crt"), d.resolve("server.crt"),
          d.resolve("server.key"), d.resolve("client.crt"), d.resolve("client.key"));
    }

    private static void run(Path dir, String command) throws Exception {
      Process p = new ProcessBuilder(List.of(command.split(" "))).directory(dir.toFile())
          .redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(command + " failed: " + output);
      }
    }
  }
}
