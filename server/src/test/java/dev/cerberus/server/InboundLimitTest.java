package dev.cerberus.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.cerberus.proto.v1.ClassifierGrpc;
import dev.cerberus.proto.v1.ClassifyRequest;
import dev.cerberus.proto.v1.Item;
import dev.cerberus.proto.v1.ListModelsRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cerberus.max-inbound-message-bytes is enforced by gRPC before anything is decoded, and logged
 * as one line without a stack trace (issue 15, defect 9).
 */
class InboundLimitTest {

  @TempDir Path models;

  @Test
  void aMessageOverTheLimitIsResourceExhaustedAndTheServerCarriesOn() throws Exception {
    // what grpc-netty publishes through java.util.logging (a WARNING with a stack trace before)
    List<LogRecord> published = Collections.synchronizedList(new ArrayList<>());
    Handler handler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        published.add(record);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger transport = Logger.getLogger("io.grpc.netty.NettyServerStream");
    transport.addHandler(handler);
    try (LogCapture log = new LogCapture(); CerberusServer server = CerberusServer.start(ServerSettings.from(Map.of(
        "cerberus.port", "0",
        "cerberus.models", models.toString(),
        "cerberus.max-inbound-message-bytes", "4096")))) {
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      try {
        var stub = ClassifierGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
        ClassifyRequest big = ClassifyRequest.newBuilder().setModel("any")
            .addItems(Item.newBuilder().setImage(ByteString.copyFrom(new byte[8192]))).build();
        assertThatThrownBy(() -> stub.classify(big))
            .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
        assertThat(stub.listModels(ListModelsRequest.getDefaultInstance()).getModelsList())
            .isEmpty();
        assertThat(published).isEmpty();
        assertThat(log.lines().stream().filter(l -> l.contains("refused a request message")))
            .singleElement().asString().contains("RESOURCE_EXHAUSTED")
            .contains("cerberus.max-inbound-message-bytes");
        assertThat(log.text()).doesNotContain("\tat ");
      } finally {
        channel.shutdownNow();
      }
    } finally {
      transport.removeHandler(handler);
    }
  }
}
