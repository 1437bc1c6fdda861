package dev.cerberus.server.badinput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cerberus.proto.v1.ClassifyRequest;
import dev.cerberus.proto.v1.ClassifyStreamRequest;
import dev.cerberus.proto.v1.ClassifyStreamResponse;
import dev.cerberus.proto.v1.GetModelRequest;
import dev.cerberus.proto.v1.Item;
import dev.cerberus.proto.v1.ItemErrorCode;
import dev.cerberus.proto.v1.ItemResult;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
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
 * Call-level bad input over cerberus.v1: names (model, version, head) that are unknown, empty,
 * huge or path-like, and bad item counts. Unary calls fail with the expected status; on a
 * stream the items accepted before the bad message are answered, then the stream ends with the
 * same status. Messages are bounded (no 8 KB echo), name what exists, and leak no path.
 */
class CallBadInputTest {

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
    server.assertClassifyHealthy();
    server.assertNoStackTraceSince(mark);
  }

  /** A call-level kind: the request's model/version/heads and the status it must get. */
  record CallKind(String kind, String model, String version, List<String> heads,
      Status.Code code, List<String> says) {
    @Override
    public String toString() {
      return kind;
    }

    ClassifyRequest request(int items) {
      ClassifyRequest.Builder b = ClassifyRequest.newBuilder().setModel(model).setVersion(version)
          .addAllHeads(heads);
      IntStream.range(0, items).forEach(i -> b.addItems(BadInputServer.goodItem("shapes", "i" + i)));
      return b.build();
    }
  }

  private static final String LONG = "m".repeat(10_000);

  private static CallKind notFound(String kind, String model, String version, String head,
      String... says) {
    return new CallKind(kind, model, version, head == null ? List.of() : List.of(head),
        Status.Code.NOT_FOUND, List.of(says));
  }

  static Stream<CallKind> names() {
    String loaded = "loaded models: shapes, topics, vectors";
    return Stream.of(
        notFound("model: unknown name", "nope", "", null, "model 'nope' is not loaded", loaded),
        new CallKind("model: empty name", "", "", List.of(), Status.Code.INVALID_ARGUMENT,
            List.of("the request names no model", loaded)),
        notFound("model: 10,000-character name", LONG, "", null, "is not loaded",
            "... (10000 chars)", loaded),
        notFound("model: path-like name ../x", "../x", "", null, "model '../x' is not loaded"),
        notFound("model: absolute path /etc/passwd", "/etc/passwd", "", null,
            "model '/etc/passwd' is not loaded"),
        notFound("model: URL-encoded %2e%2e%2fshapes", "%2e%2e%2fshapes", "", null,
            "model '%2e%2e%2fshapes' is not loaded"),
        notFound("model: control characters in the name", "sha\npes\u0000", "", null,
            "model 'sha\\u000apes\\u0000' is not loaded"),
        notFound("version: unknown", "shapes", "9", null, "has no version '9'", "1"),
        notFound("version: path-like ../1", "shapes", "../1", null, "has no version '../1'"),
        notFound("version: 10,000 characters", "shapes", LONG, null, "... (10000 chars)"),
        notFound("head: unknown", "shapes", "", "colour", "has no head 'colour'",
            "its heads: category, is-bright, texture"),
        notFound("head: 10,000 characters", "shapes", "", LONG, "... (10000 chars)"),
        notFound("head: path-like ../category", "shapes", "", "../category",
            "has no head '../category'"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("names")
  void unary(CallKind kind) {
    assertStatus(() -> server.classifier().classify(kind.request(2)), kind.code(), kind.says());
    if (!kind.model().isEmpty()) {
      // GetModel resolves the same way
      assertStatus(() -> server.classifier().getModel(GetModelRequest.newBuilder()
              .setModel(kind.model()).setVersion(kind.version()).build()),
          kind.heads().isEmpty() ? kind.code() : Status.Code.OK, kind.says());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("names")
  void stream(CallKind kind) throws Exception {
    var client = new StreamClient<ClassifyStreamRequest, ClassifyStreamResponse>(
        server.classifierAsync()::classifyStream);
    client.send(ClassifyStreamRequest.newBuilder().setModel("shapes")
        .addItems(BadInputServer.goodItem("shapes", "a"))
        .addItems(BadInputServer.goodItem("shapes", "b")).build());
    ClassifyRequest bad = kind.request(1);
    client.send(ClassifyStreamRequest.newBuilder().setModel(bad.getModel())
        .setVersion(bad.getVersion()).addAllHeads(bad.getHeadsList()).addAllItems(bad.getItemsList())
        .build());
    if (kind.model().isEmpty()) {
      // on a stream an empty model name means "the model named before": the message is served
      var outcome = client.finish();
      assertThat(outcome.status().isOk()).isTrue();
      assertThat(outcome.messages().stream().flatMap(m -> m.getResultsList().stream())
          .filter(ItemResult::hasPrediction)).hasSize(3);
      return;
    }
    var outcome = client.await();
    assertThat(outcome.messages().stream().flatMap(m -> m.getResultsList().stream())
        .map(ItemResult::getId)).as("items accepted before the bad message").containsExactly("a", "b");
    assertThat(outcome.status().getCode()).isEqualTo(kind.code());
    assertThat(outcome.status().getDescription()).contains(kind.says())
        .doesNotContainPattern(BadInputServer.LEAK);
  }

  @Test
  void streamWhoseFirstMessageNamesNoModel() throws Exception {
    var client = new StreamClient<ClassifyStreamRequest, ClassifyStreamResponse>(
        server.classifierAsync()::classifyStream);
    client.send(ClassifyStreamRequest.newBuilder()
        .addItems(BadInputServer.goodItem("shapes", "a")).build());
    var outcome = client.await();
    assertThat(outcome.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(outcome.status().getDescription())
        .isEqualTo("the first ClassifyStream message must name a model");
  }

  @Test
  void tooManyItems() throws Exception {
    int n = BadInputServer.MAX_ITEMS + 1;
    String says = "the request has 9 items; the limit is 8 items per request "
        + "(cerberus.max-items-per-request)";
    assertStatus(() -> server.classifier().classify(names().findFirst().orElseThrow()
        .request(0).toBuilder().setModel("shapes").addAllItems(
            IntStream.range(0, n).mapToObj(i -> BadInputServer.goodItem("shapes", "i" + i))
                .toList()).build()), Status.Code.INVALID_ARGUMENT, List.of(says));
    // on a stream each item of the refused message is answered with the error; the stream goes on
    var client = new StreamClient<ClassifyStreamRequest, ClassifyStreamResponse>(
        server.classifierAsync()::classifyStream);
    ClassifyStreamRequest.Builder big = ClassifyStreamRequest.newBuilder().setModel("shapes");
    IntStream.range(0, n).forEach(i -> big.addItems(BadInputServer.goodItem("shapes", "i" + i)));
    client.send(big.build());
    client.send(ClassifyStreamRequest.newBuilder()
        .addItems(BadInputServer.goodItem("shapes", "next")).build());
    var outcome = client.finish();
    assertThat(outcome.status().isOk()).isTrue();
    List<ItemResult> results = outcome.messages().stream()
        .flatMap(m -> m.getResultsList().stream()).toList();
    assertThat(results).hasSize(n + 1);
    assertThat(results).filteredOn(r -> !r.getId().equals("next")).allSatisfy(r -> {
      assertThat(r.getError().getCode()).isEqualTo(ItemErrorCode.INVALID_ARGUMENT);
      assertThat(r.getError().getMessage()).isEqualTo(says);
    });
    assertThat(results).filteredOn(r -> r.getId().equals("next")).singleElement()
        .satisfies(r -> assertThat(r.hasPrediction()).isTrue());
  }

  @Test
  void noItems() {
    assertStatus(() -> server.classifier().classify(ClassifyRequest.newBuilder()
            .setModel("shapes").build()), Status.Code.INVALID_ARGUMENT,
        List.of("the request has no items; send 1 to 8 items"));
  }

  @Test
  void imagesOverThePixelBudgetOfOneRequest() {
    ClassifyRequest.Builder b = ClassifyRequest.newBuilder().setModel("shapes");
    for (int i = 0; i < 3; i++) {
      b.addItems(Item.newBuilder().setId("i" + i).setImage(
          com.google.protobuf.ByteString.copyFrom(BadImages.pngHeader(1000, 1000))));
    }
    assertStatus(() -> server.classifier().classify(b.build()), Status.Code.INVALID_ARGUMENT,
        List.of("declare 3,000,000 pixels in total", "the limit is 2,000,000 per request",
            "cerberus.limits.max-request-pixels"));
  }

  @Test
  void duplicatedItemIdsAreEachAnswered() {
    var response = server.classifier().classify(ClassifyRequest.newBuilder().setModel("shapes")
        .addItems(BadInputServer.goodItem("shapes", "same"))
        .addItems(BadInputServer.goodItem("shapes", "same")).build());
    // ids are the client's labels, echoed; the index tells the items apart
    assertThat(response.getResultsList()).extracting(ItemResult::getId).containsExactly("same", "same");
    assertThat(response.getResultsList()).extracting(ItemResult::getIndex).containsExactly(0L, 1L);
    assertThat(response.getResultsList()).allMatch(ItemResult::hasPrediction);
  }

  @Test
  void missingItemIdsAreAnsweredByIndex() {
    var response = server.classifier().classify(ClassifyRequest.newBuilder().setModel("shapes")
        .addItems(BadInputServer.goodItem("shapes", "x").toBuilder().clearId())
        .addItems(BadInputServer.goodItem("shapes", "y").toBuilder().clearId()).build());
    assertThat(response.getResultsList()).extracting(ItemResult::getId).containsExactly("", "");
    assertThat(response.getResultsList()).extracting(ItemResult::getIndex).containsExactly(0L, 1L);
    assertThat(response.getResultsList()).allMatch(ItemResult::hasPrediction);
  }

  static void assertStatus(Runnable call, Status.Code code, List<String> says) {
    if (code == Status.Code.OK) {
      call.run();
      return;
    }
    assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(code);
      assertThat(e.getStatus().getDescription()).contains(says)
          .doesNotContainPattern(BadInputServer.LEAK)
          .hasSizeLessThan(1000);
    });
  }
}
