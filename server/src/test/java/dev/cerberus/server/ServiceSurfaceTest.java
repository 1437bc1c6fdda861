package dev.cerberus.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cerberus.proto.oip.GRPCInferenceServiceGrpc;
import dev.cerberus.proto.v1.ClassifierGrpc;
import dev.cerberus.proto.v1.ClassifyRequest;
import dev.cerberus.proto.v1.ClassifyResponse;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1alpha.ServerReflectionGrpc;
import io.grpc.reflection.v1alpha.ServerReflectionRequest;
import io.grpc.reflection.v1alpha.ServerReflectionResponse;
import io.grpc.reflection.v1alpha.ServiceResponse;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What tools and operators see of a running server (issue 15, defect 9): health answers for
 * the OIP service name, reflection v1alpha is served beside v1 (older grpcurl and grpcui), and
 * the startup log says whether TLS and auth are on; error messages name no Java class.
 */
class ServiceSurfaceTest {

  /** A Java exception or package name, as a client must never read it. */
  private static final String JAVA_CLASS_NAME =
      "\\b[A-Z][A-Za-z]+(Exception|Error)\\b|\\bjava\\.|\\bjavax\\.";

  @TempDir Path models;

  @Test
  void healthReflectionV1AlphaAndTheSecurityLine() throws Exception {
    TestInputs.installFixture("image", models, "shapes", "1");
    try (LogCapture log = new LogCapture(); CerberusServer server = CerberusServer.start(
        ServerSettings.from(Map.of("cerberus.port", "0", "cerberus.models", models.toString(),
            "cerberus.auth.token", "s3cret-token")))) {
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      try {
        var health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        assertThat(health.check(HealthCheckRequest.newBuilder()
            .setService(GRPCInferenceServiceGrpc.SERVICE_NAME).build()).getStatus())
            .isEqualTo(ServingStatus.SERVING);
        assertThat(log.lines()).anySatisfy(l -> assertThat(l)
            .contains("gRPC security: TLS off (plaintext), auth bearer token")
            .doesNotContain("s3cret-token"));

        io.grpc.Metadata token = new io.grpc.Metadata();
        token.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
            "Bearer s3cret-token");
        assertThat(listServicesV1Alpha(channel, token)).contains("cerberus.v1.Classifier",
            "inference.GRPCInferenceService", "grpc.reflection.v1alpha.ServerReflection",
            "grpc.reflection.v1.ServerReflection");

        // undecodable images: the decoder's words, no Java class name (was "IIOException: ...")
        ClassifyResponse bad = ClassifierGrpc.newBlockingStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(token))
            .withDeadlineAfter(20, TimeUnit.SECONDS).classify(ClassifyRequest.newBuilder()
                .setModel("shapes")
                .addItems(CerberusServerTest.image("truncated", TestInputs.truncatedPng()))
                .addItems(CerberusServerTest.image("zip", TestInputs.zipBytes()))
                .addItems(CerberusServerTest.image("header", TestInputs.hugePngHeader()))
                .build());
        assertThat(bad.getResultsList()).hasSize(3).allSatisfy(r -> {
          assertThat(r.hasError()).isTrue();
          assertThat(r.getError().getMessage()).doesNotContainPattern(JAVA_CLASS_NAME);
        });
      } finally {
        channel.shutdownNow();
      }
    }
  }

  private static List<String> listServicesV1Alpha(ManagedChannel channel, io.grpc.Metadata auth)
      throws Exception {
    CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(auth))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .serverReflectionInfo(new StreamObserver<>() {
          @Override
          public void onNext(ServerReflectionResponse value) {
            answer.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            answer.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    List<String> names = answer.get(10, TimeUnit.SECONDS).getListServicesResponse()
        .getServiceList().stream().map(ServiceResponse::getName).toList();
    requests.onCompleted();
    return names;
  }
}
