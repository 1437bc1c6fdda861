package dev.cerberus.server.badinput;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cerberus.proto.oip.GRPCInferenceServiceGrpc;
import dev.cerberus.proto.oip.ModelInferRequest;
import dev.cerberus.proto.oip.ModelStreamInferResponse;
import dev.cerberus.proto.v1.ClassifierGrpc;
import dev.cerberus.proto.v1.ClassifyRequest;
import dev.cerberus.proto.v1.ClassifyStreamRequest;
import dev.cerberus.proto.v1.ClassifyStreamResponse;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Credentials, deadlines and cancellation on both APIs, unary and streaming: a missing, wrong or
 * malformed token is UNAUTHENTICATED on every call (the scheme's case does not matter); calls
 * whose deadline has passed or passes mid-way end DEADLINE_EXCEEDED; calls the client cancels
 * leave nothing queued. The server stays healthy and logs no stack trace.
 */
class AuthDeadlineBadInputTest {

  private static BadInputServer server;
  private BadInputServer.LogMark mark;

  @BeforeAll
  static void start() throws Exception {
    server = new BadInputServer();
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

  /** An authorization header (null: none) and the status every call with it gets. */
  record AuthKind(String kind, String authorization, Status.Code code, String says) {
    @Override
    public String toString() {
      return kind;
    }

    <S extends AbstractStub<S>> S apply(S stub) {
      S s = stub.withDeadlineAfter(60, TimeUnit.SECONDS);
      if (authorization == null) {
        return s;
      }
      Metadata m = new Metadata();
      m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), authorization);
      return s.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m));
    }
  }

  static Stream<AuthKind> credentials() {
    Status.Code no = Status.Code.UNAUTHENTICATED;
    String t = BadInputServer.TOKEN;
    return Stream.of(
        new AuthKind("auth: no authorization metadata", null, no,
            "this server requires 'authorization: Bearer <token>' metadata"),
        new AuthKind("auth: wrong token", "Bearer not-" + t, no, "the bearer token is not valid"),
        new AuthKind("auth: token without a scheme", t, no,
            "the authorization metadata must be 'Bearer <token>' (scheme Bearer, any case)"),
        new AuthKind("auth: Basic scheme", "Basic dXNlcjpwYXNz", no, "must be 'Bearer <token>'"),
        new AuthKind("auth: Bearer with no token", "Bearer", no, "must be 'Bearer <token>'"),
        new AuthKind("auth: lowercase bearer scheme", "bearer " + t, Status.Code.OK, ""),
        new AuthKind("auth: upper-case BEARER scheme", "BEARER " + t, Status.Code.OK, ""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("credentials")
  void onEveryCallOfBothApis(AuthKind kind) throws Exception {
    List<String> says = List.of(kind.says());
    CallBadInputTest.assertStatus(() -> kind.apply(ClassifierGrpc.newBlockingStub(server.channel))
        .classify(ClassifyRequest.newBuilder().setModel("shapes")
            .addItems(BadInputServer.goodItem("shapes", "a")).build()), kind.code(), says);
    CallBadInputTest.assertStatus(() -> kind.apply(
        GRPCInferenceServiceGrpc.newBlockingStub(server.channel)).modelInfer(
            BadInputServer.goodOip(1).build()), kind.code(), says);
    var classify = new StreamClient<ClassifyStreamRequest, ClassifyStreamResponse>(
        kind.apply(ClassifierGrpc.newStub(server.channel))::classifyStream);
    classify.send(ClassifyStreamRequest.newBuilder().setModel("shapes")
        .addItems(BadInputServer.goodItem("shapes", "a")).build());
    checkStream(kind, classify.finish());
    var infer = new StreamClient<ModelInferRequest, ModelStreamInferResponse>(
        kind.apply(GRPCInferenceServiceGrpc.newStub(server.channel))::modelStreamInfer);
    infer.send(BadInputServer.goodOip(1).build());
    checkStream(kind, infer.finish());
  }

  private static void checkStream(AuthKind kind, StreamClient.Outcome<?> outcome) {
    assertThat(outcome.status().getCode()).isEqualTo(kind.code());
    if (kind.code() == Status.Code.OK) {
      assertThat(outcome.messages()).hasSize(1);
    } else {
      assertThat(outcome.messages()).isEmpty();
      assertThat(outcome.status().getDescription()).contains(kind.says());
    }
  }

  private static ClassifyRequest eightItems() {
    ClassifyRequest.Builder b = ClassifyRequest.newBuilder().setModel("shapes");
    IntStream.range(0, BadInputServer.MAX_ITEMS)
        .forEach(i -> b.addItems(BadInputServer.goodItem("shapes", "i" + i)));
    return b.build();
  }

  @Test
  void deadlineAlreadyExpiredOnBothApis() {
    Deadline past = Deadline.after(-1, TimeUnit.SECONDS);
    // grpc-java refuses to start such a call: the server never sees it
    CallBadInputTest.assertStatus(() -> server.classifier().withDeadline(past)
        .classify(eightItems()), Status.Code.DEADLINE_EXCEEDED, List.of("deadline"));
    CallBadInputTest.assertStatus(() -> server.oip().withDeadline(past)
        .modelInfer(BadInputServer.goodOip(2).build()), Status.Code.DEADLINE_EXCEEDED,
        List.of("deadline"));
  }

  @Test
  void zeroMillisecondDeadlineOnBothApis() {
    CallBadInputTest.assertStatus(() -> server.classifier().withDeadlineAfter(0, TimeUnit.MILLISECONDS)
        .classify(eightItems()), Status.Code.DEADLINE_EXCEEDED, List.of("deadline"));
    CallBadInputTest.assertStatus(() -> server.oip().withDeadlineAfter(0, TimeUnit.MILLISECONDS)
        .modelInfer(BadInputServer.goodOip(2).build()), Status.Code.DEADLINE_EXCEEDED,
        List.of("deadline"));
  }

  @Test
  void oneMillisecondDeadlineExpiresAndLeavesNothingQueued() {
    CallBadInputTest.assertStatus(() -> server.classifier().withDeadlineAfter(1, TimeUnit.MILLISECONDS)
        .classify(eightItems()), Status.Code.DEADLINE_EXCEEDED, List.of("deadline"));
    CallBadInputTest.assertStatus(() -> server.oip().withDeadlineAfter(1, TimeUnit.MILLISECONDS)
        .modelInfer(BadInputServer.goodOip(8).build()), Status.Code.DEADLINE_EXCEEDED,
        List.of("deadline"));
    awaitQueuesEmpty();
  }

  @Test
  void streamsWhoseDeadlinePassesMidWay() throws Exception {
    var classify = new StreamClient<ClassifyStreamRequest, ClassifyStreamResponse>(
        server.classifierAsync().withDeadlineAfter(1500, TimeUnit.MILLISECONDS)::classifyStream);
    classify.send(ClassifyStreamRequest.newBuilder().setModel("shapes")
        .addItems(BadInputServer.goodItem("shapes", "a")).build());
    classify.awaitAnswers(1);
    var infer = new StreamClient<ModelInferRequest, ModelStreamInferResponse>(
        server.oipAsync().withDeadlineAfter(1500, TimeUnit.MILLISECONDS)::modelStreamInfer);
    infer.send(BadInputServer.goodOip(1).build());
    infer.awaitAnswers(1);
    // neither client half-closes: the deadline ends both streams
    var c = classify.await();
    var i = infer.await();
    assertThat(c.status().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(i.status().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(c.messages()).hasSize(1);
    assertThat(i.messages()).hasSize(1);
    awaitQueuesEmpty();
  }

  @Test
  void unaryCallsCancelledMidWay() throws Exception {
    var classify = BadInputServer.authed(ClassifierGrpc.newFutureStub(server.channel))
        .classify(eightItems());
    var infer = BadInputServer.authed(GRPCInferenceServiceGrpc.newFutureStub(server.channel))
        .modelInfer(BadInputServer.goodOip(8).build());
    classify.cancel(true);
    infer.cancel(true);
    assertThat(classify.isCancelled()).isTrue();
    assertThat(infer.isCancelled()).isTrue();
    awaitQueuesEmpty();
  }

  @Test
  void streamsCancelledMidWay() throws Exception {
    var classify = new StreamClient<ClassifyStreamRequest, ClassifyStreamResponse>(
        server.classifierAsync()::classifyStream);
    var infer = new StreamClient<ModelInferRequest, ModelStreamInferResponse>(
        server.oipAsync()::modelStreamInfer);
    for (int k = 0; k < 4; k++) {
      classify.send(ClassifyStreamRequest.newBuilder().setModel("shapes")
          .addAllItems(eightItems().getItemsList()).build());
      infer.send(BadInputServer.goodOip(8).build());
    }
    classify.awaitAnswers(1);
    classify.cancel();
    infer.cancel();
    assertThat(classify.await().status().getCode()).isEqualTo(Status.Code.CANCELLED);
    assertThat(infer.await().status().getCode()).isEqualTo(Status.Code.CANCELLED);
    awaitQueuesEmpty();
  }

  /** Nothing a dropped call left behind stays queued (expired and cancelled items are dropped). */
  private static void awaitQueuesEmpty() {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < end) {
      boolean empty = server.server.repository().all().values().stream()
          .flatMap(List::stream).allMatch(m -> m.stats().queueDepth() == 0);
      if (empty) {
        return;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    throw new AssertionError("items still queued 30 s after their calls ended");
  }
}
