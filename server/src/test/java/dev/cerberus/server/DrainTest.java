package dev.cerberus.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.util.concurrent.ListenableFuture;
import dev.cerberus.proto.v1.ClassifierGrpc;
import dev.cerberus.proto.v1.ClassifyRequest;
import dev.cerberus.proto.v1.ClassifyResponse;
import dev.cerberus.proto.v1.ItemResult;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Graceful shutdown: accepted work finishes, new work is refused, health says NOT_SERVING. */
class DrainTest {

  @TempDir Path models;

  @Test
  void shutdownFinishesAcceptedWorkAndRefusesNewWork() throws Exception {
    TestInputs.installFixture("image", models, "shapes", "1");
    CerberusServer server = CerberusServer.start(ServerSettings.from(Map.of(
        "cerberus.port", "0",
        "cerberus.models", models.toString(),
        // a long batching window keeps the first call queued while shutdown starts
        "cerberus.batch.max-queue-delay-ms", "1500",
        "cerberus.drain-timeout-seconds", "30")));
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    try {
      ClassifyRequest.Builder request = ClassifyRequest.newBuilder().setModel("shapes");
      for (int i = 0; i < 5; i++) {
        request.addItems(CerberusServerTest.image("i" + i, TestInputs.png(16, 16, i)));
      }
      ListenableFuture<ClassifyResponse> accepted = ClassifierGrpc.newFutureStub(channel)
          .withDeadlineAfter(60, TimeUnit.SECONDS).classify(request.build());
      var shapes = server.repository().resolve("shapes", "");
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (shapes.stats().queueDepth() == 0 && System.nanoTime() < until) {
        Thread.sleep(5);
      }
      assertThat(shapes.stats().queueDepth()).isEqualTo(5);

      Thread stopper = new Thread(server::shutdown);
      stopper.start();
      var health = HealthGrpc.newBlockingStub(channel);
      until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      ServingStatus status = ServingStatus.SERVING;
      while (status == ServingStatus.SERVING && System.nanoTime() < until) {
        status = health.withDeadlineAfter(5, TimeUnit.SECONDS)
            .check(HealthCheckRequest.getDefaultInstance()).getStatus();
      }
      assertThat(status).isEqualTo(ServingStatus.NOT_SERVING);
      assertThatThrownBy(() -> ClassifierGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS).classify(request.build()))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));

      ClassifyResponse done = accepted.get(60, TimeUnit.SECONDS);
      assertThat(done.getResultsList()).hasSize(5).allMatch(ItemResult::hasPrediction);
      stopper.join(60_000);
      assertThat(stopper.isAlive()).isFalse();
    } finally {
      channel.shutdownNow();
      server.shutdown();
    }
  }
}
