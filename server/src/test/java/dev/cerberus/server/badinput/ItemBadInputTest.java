package dev.cerberus.server.badinput;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cerberus.proto.v1.ClassifyRequest;
import dev.cerberus.proto.v1.ClassifyStreamRequest;
import dev.cerberus.proto.v1.ClassifyStreamResponse;
import dev.cerberus.proto.v1.ItemResult;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every bad item kind of {@link ItemKinds} over cerberus.v1, unary (Classify) and streaming
 * (ClassifyStream): the bad item gets its per-item error with a message saying what was wrong
 * and what is allowed, the good items around it are answered, no stack trace is logged, and a
 * good call succeeds afterwards.
 */
class ItemBadInputTest {

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

  static Stream<ItemKinds> kinds() {
    return ItemKinds.all();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void unary(ItemKinds kind) {
    var response = server.classifier().classify(ClassifyRequest.newBuilder()
        .setModel(kind.model())
        .addItems(BadInputServer.goodItem(kind.model(), "before"))
        .addItems(kind.item())
        .addItems(BadInputServer.goodItem(kind.model(), "after"))
        .build());
    checkResults(kind, response.getResultsList());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void stream(ItemKinds kind) throws Exception {
    StreamClient<ClassifyStreamRequest, ClassifyStreamResponse> client =
        new StreamClient<>(server.classifierAsync()::classifyStream);
    client.send(ClassifyStreamRequest.newBuilder().setModel(kind.model())
        .addItems(BadInputServer.goodItem(kind.model(), "before")).build());
    client.send(ClassifyStreamRequest.newBuilder().addItems(kind.item()).build());
    client.send(ClassifyStreamRequest.newBuilder()
        .addItems(BadInputServer.goodItem(kind.model(), "after")).build());
    StreamClient.Outcome<ClassifyStreamResponse> outcome = client.finish();
    assertThat(outcome.status().isOk()).as("stream status %s", outcome.status()).isTrue();
    List<ItemResult> results = new ArrayList<>();
    outcome.messages().forEach(m -> results.addAll(m.getResultsList()));
    results.sort(Comparator.comparingLong(ItemResult::getIndex));
    checkResults(kind, results);
  }

  private static void checkResults(ItemKinds kind, List<ItemResult> results) {
    assertThat(results).extracting(ItemResult::getId).containsExactly("before", "bad", "after");
    assertThat(results).extracting(ItemResult::getIndex).containsExactly(0L, 1L, 2L);
    assertThat(results.get(0).hasPrediction()).as("the good item before").isTrue();
    assertThat(results.get(2).hasPrediction()).as("the good item after").isTrue();
    ItemResult bad = results.get(1);
    if (kind.code() == null) {
      assertThat(bad.hasPrediction()).as("%s is valid: %s", kind, bad.getError()).isTrue();
      return;
    }
    assertThat(bad.hasError()).as("%s gets an error", kind).isTrue();
    assertThat(bad.getError().getCode()).isEqualTo(kind.code());
    assertThat(bad.getError().getMessage()).contains(kind.says())
        .doesNotContainPattern(BadInputServer.LEAK);
  }
}
