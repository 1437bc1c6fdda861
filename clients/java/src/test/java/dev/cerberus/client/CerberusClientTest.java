package dev.cerberus.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cerberus.proto.v1.ClassifyRequest;
import dev.cerberus.proto.v1.ClassifyResponse;
import dev.cerberus.proto.v1.ItemResult;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CerberusClientTest {
  private FakeClassifier fake;
  private TestServer server;

  @BeforeEach
  void start() throws Exception {
    fake = new FakeClassifier();
    server = new TestServer(fake);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static RetryPolicy noJitter(int attempts, long initialMs) {
    return new RetryPolicy(attempts, Duration.ofMillis(initialMs), Duration.ofSeconds(2), 2.0, 0);
  }

  private static ClassifyRequest texts(String... texts) {
    ClassifyRequest.Builder b = ClassifyRequest.newBuilder().setModel("fashion");
    for (int i = 0; i < texts.length; i++) {
      b.addItems(Items.text("t" + i, texts[i]));
    }
    return b.build();
  }

  @Test
  void blockingClassifyReturnsResultsInOrderIncludingItemErrors() {
    try (CerberusClient client = CerberusClient.builder().target(server.target()).build()) {
      ClassifyResponse r = client.classifyTexts("fashion", List.of("Trouser", "bad", "???"));
      assertThat(r.getResultsList()).extracting(ItemResult::getId).containsExactly("0", "1", "2");
      assertThat(r.getResults(0).getPrediction().getDecision()).isEqualTo("Trouser");
      assertThat(r.getResults(1).getError().getMessage()).contains("not decodable");
      assertThat(r.getResults(2).getPrediction().getUnknown()).isTrue();
    }
  }

  @Test
  void retriesUnavailableWithGrowingBackoffThenSucceeds() {
    fake.failures.add(Status.UNAVAILABLE.withDescription("draining"));
    fake.failures.add(Status.UNAVAILABLE.withDescription("draining"));
    try (CerberusClient client = CerberusClient.builder().target(server.target())
        .retryPolicy(noJitter(4, 150)).build()) {
      ClassifyResponse r = client.classify(texts("Bag"));
      assertThat(r.getResults(0).getPrediction().getDecision()).isEqualTo("Bag");
    }
    List<Long> t = fake.classifyCallNanos;
    assertThat(t).hasSize(3);
    // Waits of 150 ms then 300 ms: lower bounds only (a slow machine may wait longer).
    assertThat(TimeUnit.NANOSECONDS.toMillis(t.get(1) - t.get(0))).isGreaterThanOrEqualTo(145);
    assertThat(TimeUnit.NANOSECONDS.toMillis(t.get(2) - t.get(1))).isGreaterThanOrEqualTo(295);
  }

  @Test
  void givesUpAfterMaxAttemptsWithTheServersStatus() {
    for (int i = 0; i < 10; i++) {
      fake.failures.add(Status.UNAVAILABLE.withDescription("server is draining"));
    }
    try (CerberusClient client = CerberusClient.builder().target(server.target())
        .retryPolicy(noJitter(3, 10)).build()) {
      assertThatThrownBy(() -> client.classify(texts("Bag")))
          .isInstanceOfSatisfying(CerberusException.class, e -> {
            assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e.serverMessage()).isEqualTo("server is draining");
          });
    }
    assertThat(fake.classifyCallNanos).hasSize(3);
  }

  @Test
  void otherCodesAreNotRetriedAndKeepTheServersMessage() {
    try (CerberusClient client = CerberusClient.builder().target(server.target())
        .retryPolicy(noJitter(4, 10)).build()) {
      assertThatThrownBy(() -> client.classify(ClassifyRequest.newBuilder().setModel("x")
          .addItems(Items.text("a", "b")).build()))
          .isInstanceOfSatisfying(CerberusException.class, e -> {
            assertThat(e.code()).isEqualTo(Status.Code.NOT_FOUND);
            assertThat(e.getMessage()).isEqualTo("NOT_FOUND: model 'x' not found; models: fashion");
          });
    }
    assertThat(fake.classifyCallNanos).hasSize(1);
  }

  @Test
  void callsRotateOverTargets() throws Exception {
    FakeClassifier other = new FakeClassifier();
    try (TestServer second = new TestServer(other);
        CerberusClient client = CerberusClient.builder()
            .targets(List.of(server.target(), second.target())).build()) {
      for (int i = 0; i < 6; i++) {
        client.classify(texts("Bag"));
      }
    }
    assertThat(fake.classifyCallNanos).hasSize(3);
    assertThat(other.classifyCallNanos).hasSize(3);
  }

  @Test
  void aRetryGoesToTheNextTargetWhenOneIsDown() throws Exception {
    String dead = TestServer.deadTarget();
    try (CerberusClient client = CerberusClient.builder()
        .targets(List.of(dead, server.target())).retryPolicy(noJitter(2, 10)).build()) {
      for (int i = 0; i < 4; i++) {
        assertThat(client.classify(texts("Bag")).getResultsCount()).isEqualTo(1);
      }
    }
    assertThat(fake.classifyCallNanos).hasSize(4);
  }

  @Test
  void deadlineEndsAHangingCallWithoutRetry() {
    fake.hang = true;
    try (CerberusClient client = CerberusClient.builder().target(server.target())
        .deadline(Duration.ofMillis(300)).retryPolicy(noJitter(4, 10)).build()) {
      assertThatThrownBy(() -> client.classify(texts("Bag")))
          .isInstanceOfSatisfying(CerberusException.class,
              e -> assertThat(e.code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    }
    assertThat(fake.classifyCallNanos).hasSize(1);
  }

  @Test
  void bearerTokenIsSentOnEveryCall() {
    try (CerberusClient client = CerberusClient.builder().target(server.target())
        .bearerToken("s3cret-token").build()) {
      client.classify(texts("Bag"));
      client.listModels();
    }
    assertThat(server.headers).hasSize(2).allSatisfy(h ->
        assertThat(h.get(TestServer.AUTHORIZATION)).isEqualTo("Bearer s3cret-token"));
  }

  @Test
  void noTokenMeansNoAuthorizationHeader() {
    try (CerberusClient client = CerberusClient.builder().target(server.target()).build()) {
      client.listModels();
    }
    assertThat(server.headers.get(0).get(TestServer.AUTHORIZATION)).isNull();
  }

  @Test
  void asyncClassifyRetriesAndCompletes() throws Exception {
    fake.failures.add(Status.UNAVAILABLE);
    try (CerberusClient client = CerberusClient.builder().target(server.target())
        .retryPolicy(noJitter(3, 20)).build()) {
      ClassifyResponse r = client.classifyAsync(texts("Trouser")).get(10, TimeUnit.SECONDS);
      assertThat(r.getResults(0).getPrediction().getDecision()).isEqualTo("Trouser");
    }
    assertThat(fake.classifyCallNanos).hasSize(2);
  }

  @Test
  void asyncFailureIsATypedException() {
    try (CerberusClient client = CerberusClient.builder().target(server.target()).build()) {
      CompletableFuture<ClassifyResponse> f = client.classifyAsync(
          ClassifyRequest.newBuilder().setModel("nope").addItems(Items.text("a", "b")).build());
      assertThatThrownBy(f::join).isInstanceOf(CompletionException.class)
          .cause().isInstanceOfSatisfying(CerberusException.class,
              e -> assertThat(e.code()).isEqualTo(Status.Code.NOT_FOUND));
    }
  }

  @Test
  void responsesLargerThanTheInboundLimitFailClearly() {
    try (CerberusClient client = CerberusClient.builder().target(server.target())
        .maxInboundMessageBytes(2048).build()) {
      assertThatThrownBy(() -> client.classify(texts("x".repeat(5000))))
          .isInstanceOfSatisfying(CerberusException.class,
              e -> assertThat(e.code()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
    }
  }

  @Test
  void streamDeliversEveryResultAndCloseWaitsForThem() {
    List<ItemResult> results = new CopyOnWriteArrayList<>();
    try (CerberusClient client = CerberusClient.builder().target(server.target()).build()) {
      try (ClassifyStream stream = client.classifyStream(
          StreamOptions.forModel("fashion").withItemsPerMessage(7).withMaxInFlight(20),
          results::add)) {
        for (int i = 0; i < 100; i++) {
          stream.send(Items.text("id" + i, "L" + (i % 3)));
        }
      }
    }
    assertThat(results).hasSize(100);
    assertThat(results).extracting(ItemResult::getId).doesNotHaveDuplicates();
    assertThat(fake.streamModels).containsExactly("fashion");
  }

  @Test
  void streamProducerNeverHasMoreThanMaxInFlightUnanswered() throws Exception {
    int maxInFlight = 8;
    CountDownLatch gate = new CountDownLatch(1);
    fake.releaseStream = gate;
    AtomicInteger produced = new AtomicInteger();
    AtomicInteger answered = new AtomicInteger();
    AtomicReference<Throwable> producerFailure = new AtomicReference<>();
    try (CerberusClient client = CerberusClient.builder().target(server.target()).build()) {
      Thread producer = new Thread(() -> {
        try (ClassifyStream stream = client.classifyStream(StreamOptions.forModel("fashion")
            .withMaxInFlight(maxInFlight).withItemsPerMessage(4), r -> answered.incrementAndGet())) {
          for (int i = 0; i < 200; i++) {
            stream.send(Items.text("id" + i, "Bag"));
            produced.incrementAndGet();
          }
        } catch (Throwable t) {
          producerFailure.set(t);
        }
      });
      producer.start();
      // The server holds every answer: the producer must stop after maxInFlight items.
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (fake.streamedItems.size() < maxInFlight && System.nanoTime() < until) {
        Thread.sleep(10);
      }
      Thread.sleep(300);
      assertThat(fake.streamedItems).hasSize(maxInFlight);
      assertThat(produced.get()).isEqualTo(maxInFlight);
      assertThat(producer.isAlive()).isTrue();

      gate.countDown();
      fake.releaseStream = null;
      producer.join(TimeUnit.SECONDS.toMillis(30));
      assertThat(producer.isAlive()).isFalse();
    }
    assertThat(producerFailure.get()).isNull();
    assertThat(answered.get()).isEqualTo(200);
    assertThat(fake.maxStreamInFlight.get()).isLessThanOrEqualTo(maxInFlight);
  }

  @Test
  void streamFailureSurfacesFromCloseAsTypedError() {
    List<ItemResult> results = new ArrayList<>();
    try (CerberusClient client = CerberusClient.builder().target(TestServerless.target()).build()) {
      ClassifyStream stream = client.classifyStream(StreamOptions.forModel("fashion"), results::add);
      assertThatThrownBy(() -> {
        stream.send(Items.text("a", "Bag"));
        stream.close();
      }).isInstanceOfSatisfying(CerberusException.class,
          e -> assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE));
    }
  }

  @Test
  void healthReportsTheServingStatus() throws Exception {
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus("", ServingStatus.SERVING);
    health.setStatus("cerberus.v1.Classifier", ServingStatus.NOT_SERVING);
    try (TestServer s = new TestServer(health.getHealthService());
        CerberusClient client = CerberusClient.builder().target(s.target()).build()) {
      assertThat(client.health("")).isEqualTo(ServingStatus.SERVING);
      assertThat(client.health("cerberus.v1.Classifier")).isEqualTo(ServingStatus.NOT_SERVING);
      assertThatThrownBy(() -> client.health("nope"))
          .isInstanceOfSatisfying(CerberusException.class,
              e -> assertThat(e.code()).isEqualTo(Status.Code.NOT_FOUND));
    }
  }

  /** A target where nothing listens. */
  private static final class TestServerless {
    static String target() {
      try {
        return TestServer.deadTarget();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }
}
