package dev.cerberus.server.badinput;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cerberus.proto.oip.ModelInferRequest;
import dev.cerberus.proto.oip.ModelStreamInferResponse;
import io.grpc.Status;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of {@link OipKinds} over the Open Inference Protocol: ModelInfer fails with the
 * expected status and message; on ModelStreamInfer, as the protocol has it, the bad request is
 * answered with {@code error_message} ("CODE: message") while the good requests before and
 * after it on the same stream are answered and the stream goes on.
 */
class OipBadInputTest {

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
    server.assertOipHealthy();
    server.assertNoStackTraceSince(mark);
  }

  static Stream<OipKinds> kinds() {
    return OipKinds.all();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void unary(OipKinds kind) {
    CallBadInputTest.assertStatus(() -> server.oip().modelInfer(kind.request()), kind.code(),
        kind.says());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void stream(OipKinds kind) throws Exception {
    var client = new StreamClient<ModelInferRequest, ModelStreamInferResponse>(
        server.oipAsync()::modelStreamInfer);
    client.send(BadInputServer.goodOip(1).setId("before").build());
    client.send(kind.request());
    client.send(BadInputServer.goodOip(1).setId("after").build());
    var outcome = client.finish();
    assertThat(outcome.status().isOk()).as("stream status %s", outcome.status()).isTrue();
    Map<String, ModelStreamInferResponse> byId = outcome.messages().stream()
        .collect(Collectors.toMap(m -> m.getInferResponse().getId(), m -> m));
    assertThat(byId).containsOnlyKeys("before", "bad", "after");
    assertThat(byId.get("before").getErrorMessage()).isEmpty();
    assertThat(byId.get("after").getErrorMessage()).isEmpty();
    assertThat(byId.get("after").getInferResponse().getOutputsCount()).isPositive();
    String error = byId.get("bad").getErrorMessage();
    if (kind.code() == Status.Code.OK) {
      assertThat(error).isEmpty();
      return;
    }
    assertThat(error).startsWith(kind.code() + ": ").contains(kind.says())
        .doesNotContainPattern(BadInputServer.LEAK).hasSizeLessThan(1000);
  }
}
