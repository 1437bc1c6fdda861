package dev.cerberus.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cerberus.proto.v1.ClassifierGrpc;
import dev.cerberus.server.grpc.MalformedRequests;
import dev.cerberus.proto.v1.ClassifyRequest;
import dev.cerberus.proto.v1.ClassifyStreamRequest;
import dev.cerberus.proto.v1.ClassifyStreamResponse;
import dev.cerberus.proto.v1.Item;
import com.google.protobuf.ByteString;
import dev.cerberus.proto.oip.GRPCInferenceServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Request messages that are not valid protobuf, sent as raw bytes to the real server: each is
 * INVALID_ARGUMENT for its own call (not UNKNOWN with a stack trace), a stream still answers
 * what it accepted before the bad message, and the server serves the next call.
 */
class MalformedRequestTest {

  @TempDir static Path dir;
  private static CerberusServer server;
  private static ManagedChannel channel;

  // field 1 (model / model_name), length 2, bytes that are not UTF-8
  private static final byte[] BAD_UTF8 = {0x0a, 0x02, (byte) 0xff, (byte) 0xfe};
  // field 1 says 10 bytes follow; 1 does
  private static final byte[] TRUNCATED = {0x0a, 0x0a, 0x61};

  @BeforeAll
  static void start() throws Exception {
    TestInputs.installFixture("image", dir.resolve("models"), "shapes", "1");
    server = CerberusServer.start(ServerSettings.from(Map.of("cerberus.port", "0",
        "cerberus.models", dir.resolve("models").toString())));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow();
    server.close();
  }


  private static MethodDescriptor<byte[], byte[]> raw(MethodDescriptor<?, ?> m) {
    return MethodDescriptor.<byte[], byte[]>newBuilder().setType(m.getType())
        .setFullMethodName(m.getFullMethodName()).setRequestMarshaller(MalformedRequests.RAW_BYTES)
        .setResponseMarshaller(MalformedRequests.RAW_BYTES).build();
  }

  private static void unary(MethodDescriptor<?, ?> m, byte[] body, String messagePart) {
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, raw(m),
        CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), body))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains(m.getFullMethodName())
              .contains("not valid protobuf").contains(messagePart);
        });
  }

  @Test
  void invalidUtf8AndTruncatedMessagesAreInvalidArgumentOnBothApis() {
    unary(ClassifierGrpc.getClassifyMethod(), BAD_UTF8, "UTF-8");
    unary(ClassifierGrpc.getClassifyMethod(), TRUNCATED, "truncated");
    unary(ClassifierGrpc.getGetModelMethod(), BAD_UTF8, "UTF-8");
    unary(GRPCInferenceServiceGrpc.getModelInferMethod(), BAD_UTF8, "UTF-8");
    unary(GRPCInferenceServiceGrpc.getModelMetadataMethod(), TRUNCATED, "truncated");
    // the server carries on
    var ok = ClassifierGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
        .classify(ClassifyRequest.newBuilder().setModel("shapes").addItems(Item.newBuilder()
            .setId("a").setImage(ByteString.copyFrom(TestInputs.png(16, 16, 1)))).build());
    assertThat(ok.getResults(0).hasPrediction()).isTrue();
  }

  @Test
  void aStreamAnswersWhatItAcceptedThenEndsWithInvalidArgument() throws Exception {
    ClientCall<byte[], byte[]> call = channel.newCall(raw(ClassifierGrpc.getClassifyStreamMethod()),
        CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS));
    List<ClassifyStreamResponse> answers = new ArrayList<>();
    CompletableFuture<Status> closed = new CompletableFuture<>();
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(byte[] message) {
        try {
          answers.add(ClassifyStreamResponse.parseFrom(message));
        } catch (IOException e) {
          closed.completeExceptionally(e);
        }
        call.request(1);
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.complete(status);
      }
    }, new Metadata());
    call.request(1);
    ClassifyStreamRequest good = ClassifyStreamRequest.newBuilder().setModel("shapes")
        .addItems(Item.newBuilder().setId("x").setImage(ByteString.copyFrom(TestInputs.png(16, 16, 2))))
        .addItems(Item.newBuilder().setId("y").setImage(ByteString.copyFrom(TestInputs.png(16, 16, 3))))
        .build();
    call.sendMessage(good.toByteArray());
    call.sendMessage(BAD_UTF8);
    call.halfClose();
    Status status = closed.get(30, TimeUnit.SECONDS);
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).contains("ClassifyStream").contains("UTF-8");
    assertThat(answers.stream().flatMap(r -> r.getResultsList().stream())
        .map(r -> r.getId())).containsExactlyInAnyOrder("x", "y");
  }
}
