package dev.cerberus.server.badinput;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.cerberus.proto.oip.GRPCInferenceServiceGrpc;
import dev.cerberus.proto.oip.ModelInferRequest;
import dev.cerberus.proto.oip.ModelStreamInferResponse;
import dev.cerberus.proto.v1.ClassifierGrpc;
import dev.cerberus.proto.v1.ClassifyRequest;
import dev.cerberus.proto.v1.ClassifyStreamRequest;
import dev.cerberus.proto.v1.ClassifyStreamResponse;
import dev.cerberus.proto.v1.Item;
import dev.cerberus.server.grpc.MalformedRequests;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Messages that are not valid protobuf, and messages over cerberus.max-inbound-message-bytes,
 * unary and mid-stream on both APIs. A bad message ends its call with INVALID_ARGUMENT or
 * RESOURCE_EXHAUSTED naming what was wrong; on a stream the requests accepted before it are
 * answered first. Up to twice the limit the server reads the message and answers with the
 * limit named; beyond that grpc-netty refuses it on its length prefix (see the last test).
 */
class WireBadInputTest {

  private static BadInputServer server;
  private static Channel authed;
  private BadInputServer.LogMark mark;

  @BeforeAll
  static void start() throws Exception {
    server = new BadInputServer();
    Metadata m = new Metadata();
    m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + BadInputServer.TOKEN);
    authed = ClientInterceptors.intercept(server.channel,
        MetadataUtils.newAttachHeadersInterceptor(m));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @BeforeEach
  void markLog() {
    mark = server.mark();
  }

  @AfterEach
  void healthyAndQuiet() {
    server.assertHealthy();
    server.assertNoStackTraceSince(mark);
  }

  private static MethodDescriptor<byte[], byte[]> raw(MethodDescriptor<?, ?> m) {
    return MethodDescriptor.<byte[], byte[]>newBuilder().setType(m.getType())
        .setFullMethodName(m.getFullMethodName()).setRequestMarshaller(MalformedRequests.RAW_BYTES)
        .setResponseMarshaller(MalformedRequests.RAW_BYTES).build();
  }

  /** Protobuf wire bytes: a length-delimited field. */
  private static byte[] field(int number, byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(number << 3 | 2);
    int n = value.length;
    while (n >= 0x80) {
      out.write(n & 0x7f | 0x80);
      n >>>= 7;
    }
    out.write(n);
    out.writeBytes(value);
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) out.writeBytes(p);
    return out.toByteArray();
  }

  private static final byte[] NOT_UTF8 = {(byte) 0xff, (byte) 0xfe};
  private static final byte[] SHAPES = "shapes".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /** A request message that does not parse, the method it goes to, and what the error says. */
  record WireKind(String kind, MethodDescriptor<?, ?> method, byte[] body, String says) {
    @Override
    public String toString() {
      return kind;
    }
  }

  static Stream<WireKind> malformed() {
    var classify = ClassifierGrpc.getClassifyMethod();
    var infer = GRPCInferenceServiceGrpc.getModelInferMethod();
    return Stream.of(
        new WireKind("protobuf: model name not UTF-8", classify, field(1, NOT_UTF8), "UTF-8"),
        new WireKind("protobuf: item text not UTF-8", classify,
            concat(field(1, SHAPES), field(4, field(3, NOT_UTF8))), "UTF-8"),
        new WireKind("protobuf: item id not UTF-8", classify,
            concat(field(1, SHAPES), field(4, field(1, NOT_UTF8))), "UTF-8"),
        new WireKind("protobuf: truncated message", classify, new byte[] {0x0a, 0x0a, 0x61},
            "truncated"),
        new WireKind("protobuf: invalid wire type", classify, new byte[] {0x0f, 0x01},
            "invalid wire type"),
        new WireKind("protobuf: OIP model_name not UTF-8", infer, field(1, NOT_UTF8), "UTF-8"),
        new WireKind("protobuf: OIP truncated message", infer, new byte[] {0x22, 0x7f, 0x0a},
            "truncated"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void malformedUnary(WireKind kind) {
    CallBadInputTest.assertStatus(() -> ClientCalls.blockingUnaryCall(authed, raw(kind.method()),
            CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS), kind.body()),
        Status.Code.INVALID_ARGUMENT,
        List.of(kind.method().getFullMethodName(), "is not valid protobuf", kind.says()));
  }

  @Test
  void malformedMidStreamOnModelStreamInfer() throws Exception {
    var call = authed.newCall(raw(GRPCInferenceServiceGrpc.getModelStreamInferMethod()),
        CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS));
    var client = new StreamClient<byte[], byte[]>(o -> ClientCalls.asyncBidiStreamingCall(call, o));
    client.send(BadInputServer.goodOip(1).setId("before").build().toByteArray());
    client.send(field(1, NOT_UTF8));
    var outcome = client.finish();
    assertThat(outcome.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(outcome.status().getDescription()).contains("ModelStreamInfer", "UTF-8");
    assertThat(outcome.messages()).hasSize(1);
    assertThat(ModelStreamInferResponse.parseFrom(outcome.messages().get(0))
        .getInferResponse().getId()).isEqualTo("before");
  }

  // ---- size

  private static final int OVER = BadInputServer.MAX_MESSAGE_BYTES * 3 / 2;
  private static final int FAR_OVER = BadInputServer.MAX_MESSAGE_BYTES * 3;

  private static ClassifyRequest classifyOf(int bytes) {
    return ClassifyRequest.newBuilder().setModel("shapes").addItems(Item.newBuilder().setId("big")
        .setImage(ByteString.copyFrom(new byte[bytes]))).build();
  }

  private static ModelInferRequest inferOf(int bytes) {
    ModelInferRequest.Builder b = BadInputServer.goodOip(1).setId("big");
    b.getInputsBuilder(0).getContentsBuilder().setBytesContents(0,
        ByteString.copyFrom(new byte[bytes]));
    return b.build();
  }

  private static List<String> limitNamed(String method) {
    return List.of("a request message of " + method, "the limit is "
        + BadInputServer.MAX_MESSAGE_BYTES + " bytes per message",
        "cerberus.max-inbound-message-bytes");
  }

  @Test
  void overTheLimitUnaryOnBothApis() {
    CallBadInputTest.assertStatus(() -> server.classifier().classify(classifyOf(OVER)),
        Status.Code.RESOURCE_EXHAUSTED, limitNamed("cerberus.v1.Classifier/Classify"));
    CallBadInputTest.assertStatus(() -> server.oip().modelInfer(inferOf(OVER)),
        Status.Code.RESOURCE_EXHAUSTED,
        limitNamed("inference.GRPCInferenceService/ModelInfer"));
    assertThat(server.logSince(mark).lines()
        .filter(l -> l.contains("refused a request message"))).hasSize(2)
        .allMatch(l -> l.contains("cerberus.max-inbound-message-bytes"));
  }

  @Test
  void overTheLimitMidStreamOnClassifyStream() throws Exception {
    var client = new StreamClient<ClassifyStreamRequest, ClassifyStreamResponse>(
        server.classifierAsync()::classifyStream);
    client.send(ClassifyStreamRequest.newBuilder().setModel("shapes")
        .addItems(BadInputServer.goodItem("shapes", "before")).build());
    client.awaitAnswers(1);
    client.send(ClassifyStreamRequest.newBuilder()
        .addAllItems(classifyOf(OVER).getItemsList()).build());
    var outcome = client.await();
    // before the fix: CANCELLED, with no word about the limit
    assertThat(outcome.status().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(outcome.status().getDescription())
        .contains(limitNamed("cerberus.v1.Classifier/ClassifyStream"));
    assertThat(outcome.messages()).hasSize(1);
  }

  @Test
  void overTheLimitMidStreamOnModelStreamInfer() throws Exception {
    var client = new StreamClient<ModelInferRequest, ModelStreamInferResponse>(
        server.oipAsync()::modelStreamInfer);
    client.send(BadInputServer.goodOip(1).setId("before").build());
    client.awaitAnswers(1);
    client.send(inferOf(OVER));
    var outcome = client.await();
    assertThat(outcome.status().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(outcome.status().getDescription())
        .contains(limitNamed("inference.GRPCInferenceService/ModelStreamInfer"));
    assertThat(outcome.messages()).extracting(m -> m.getInferResponse().getId())
        .containsExactly("before");
  }

  @Test
  void farOverTheLimitIsRefusedByTheTransport() throws Exception {
    // unary: the transport's own RESOURCE_EXHAUSTED, logged as one line
    CallBadInputTest.assertStatus(() -> server.classifier().classify(classifyOf(FAR_OVER)),
        Status.Code.RESOURCE_EXHAUSTED, List.of("exceeds maximum size"));
    assertThat(server.logSince(mark)).contains("refused a request message: RESOURCE_EXHAUSTED")
        .contains("x cerberus.max-inbound-message-bytes");
    // mid-stream, once answers went out, grpc-netty can only reset the HTTP/2 stream: the
    // client sees CANCELLED. Pinned here: it is the transport's behaviour, not the server's
    // choice (docs/settings.md, cerberus.max-inbound-message-bytes)
    var client = new StreamClient<ClassifyStreamRequest, ClassifyStreamResponse>(
        server.classifierAsync()::classifyStream);
    client.send(ClassifyStreamRequest.newBuilder().setModel("shapes")
        .addItems(BadInputServer.goodItem("shapes", "before")).build());
    client.awaitAnswers(1);
    client.send(ClassifyStreamRequest.newBuilder()
        .addAllItems(classifyOf(FAR_OVER).getItemsList()).build());
    var outcome = client.await();
    assertThat(outcome.status().getCode()).isEqualTo(Status.Code.CANCELLED);
    assertThat(outcome.messages()).hasSize(1);
  }
}
