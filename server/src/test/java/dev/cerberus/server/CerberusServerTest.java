package dev.cerberus.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.cerberus.proto.v1.ClassifierGrpc;
import dev.cerberus.proto.v1.ClassifyRequest;
import dev.cerberus.proto.v1.ClassifyResponse;
import dev.cerberus.proto.v1.ClassifyStreamRequest;
import dev.cerberus.proto.v1.ClassifyStreamResponse;
import dev.cerberus.proto.v1.GetModelRequest;
import dev.cerberus.proto.v1.Item;
import dev.cerberus.proto.v1.ItemErrorCode;
import dev.cerberus.proto.v1.ItemResult;
import dev.cerberus.proto.v1.ListModelsRequest;
import dev.cerberus.proto.v1.ModelInfo;
import dev.cerberus.proto.v1.ModelSummary;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * End to end: a real Netty server on 127.0.0.1, the real engine, the model module's fixture
 * bundles, and real gRPC clients.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CerberusServerTest {

  static final int MAX_ITEMS = 64;
  static final int MAX_IN_FLIGHT = 256;

  Path models;
  CerberusServer server;
  ManagedChannel channel;
  ClassifierGrpc.ClassifierBlockingStub stub;

  @BeforeAll
  void start() throws Exception {
    models = Files.createTempDirectory("cerberus-models");
    TestInputs.installFixture("image", models, "shapes", "1");
    TestInputs.installFixture("image", models, "shapes", "2");
    TestInputs.installFixture("image", models, "counting", "1");
    TestInputs.installFixture("text", models, "topics", "1");
    Path broken = TestInputs.installFixture("image", models, "broken", "1");
    Files.writeString(broken.resolve("bundle.json"),
        Files.readString(broken.resolve("bundle.json")).replace("\"schema_version\": 1",
            "\"schema_version\": 99"));
    server = CerberusServer.start(ServerSettings.from(Map.of(
        "cerberus.port", "0",
        "cerberus.models", models.toString(),
        "cerberus.max-items-per-request", String.valueOf(MAX_ITEMS),
        "cerberus.batch.max-size", "32",
        "cerberus.batch.max-queue-delay-ms", "2",
        "cerberus.stream.max-in-flight", String.valueOf(MAX_IN_FLIGHT),
        "cerberus.preprocess.threads", "2",
        "cerberus.metrics.port", "0")));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    stub = ClassifierGrpc.newBlockingStub(channel);
  }

  @AfterAll
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdown();
  }

  private ClassifierGrpc.ClassifierBlockingStub call() {
    return stub.withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  static Item image(String id, byte[] bytes) {
    return Item.newBuilder().setId(id).setImage(ByteString.copyFrom(bytes)).build();
  }

  static Item text(String id, String text) {
    return Item.newBuilder().setId(id).setText(text).build();
  }

  @Test
  void badBundleIsNotServedAndGoodOnesAre() {
    assertThat(server.repository().failures()).singleElement()
        .satisfies(f -> {
          assertThat(f.name()).isEqualTo("broken");
          assertThat(f.error()).contains("schema");
        });
    List<ModelSummary> listed = call().listModels(ListModelsRequest.getDefaultInstance())
        .getModelsList();
    assertThat(listed).extracting(ModelSummary::getName)
        .containsExactly("counting", "shapes", "topics");
    ModelSummary shapes = listed.get(1);
    assertThat(shapes.getVersionsList()).containsExactly("2", "1");
    assertThat(shapes.getInputKind()).isEqualTo("image");
    assertThat(shapes.getHeadsList()).containsExactly("category", "is-bright", "texture");
  }

  @Test
  void unaryAnswersEveryItemInOrderWithTheNewestVersion() {
    ClassifyResponse r = call().classify(ClassifyRequest.newBuilder().setModel("shapes")
        .addItems(image("a", TestInputs.png(16, 16, 1)))
        .addItems(image("b", TestInputs.png(40, 24, 2)))
        .build());
    assertThat(r.getModel()).isEqualTo("shapes");
    assertThat(r.getVersion()).isEqualTo("2");
    assertThat(r.getResultsList()).extracting(ItemResult::getId).containsExactly("a", "b");
    assertThat(r.getResultsList()).extracting(ItemResult::getIndex).containsExactly(0L, 1L);
    ItemResult first = r.getResults(0);
    assertThat(first.hasPrediction()).isTrue();
    assertThat(first.getPrediction().getHeadsList()).extracting(h -> h.getHead())
        .containsExactly("category", "is-bright", "texture");
    assertThat(first.getPrediction().getOodMethod()).isEqualTo("max_softmax");
    float sum = 0;
    for (var p : first.getPrediction().getHeads(0).getProbabilitiesList()) {
      sum += p.getProbability();
    }
    assertThat(sum).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-4f));
    String decision = first.getPrediction().getDecision();
    assertThat(decision).isIn("circle", "square", "stripe", "unknown");
  }

  @Test
  void headsFilterReportsOnlyTheRequestedHeads() {
    ClassifyResponse r = call().classify(ClassifyRequest.newBuilder().setModel("shapes")
        .setVersion("1").addHeads("texture")
        .addItems(image("a", TestInputs.png(16, 16, 1))).build());
    assertThat(r.getVersion()).isEqualTo("1");
    assertThat(r.getResults(0).getPrediction().getHeadsList()).extracting(h -> h.getHead())
        .containsExactly("texture");
  }

  @Test
  void unknownModelVersionAndHeadAreNotFoundNamingWhatExists() {
    Item item = image("a", TestInputs.png(16, 16, 1));
    assertStatus(() -> call().classify(ClassifyRequest.newBuilder().setModel("nope")
            .addItems(item).build()),
        Status.Code.NOT_FOUND, "counting, shapes, topics");
    assertStatus(() -> call().classify(ClassifyRequest.newBuilder().setModel("shapes")
            .setVersion("7").addItems(item).build()),
        Status.Code.NOT_FOUND, "2,1");
    assertStatus(() -> call().classify(ClassifyRequest.newBuilder().setModel("shapes")
            .addHeads("colour").addItems(item).build()),
        Status.Code.NOT_FOUND, "category, is-bright, texture");
    assertStatus(() -> call().getModel(GetModelRequest.newBuilder().setModel("broken").build()),
        Status.Code.NOT_FOUND, "not loaded");
  }

  @Test
  void hugeNamesAreEchoedCutSoTheClientSeesNotFound() {
    // echoed whole, 9,000 chars overflow the client's metadata limit: RESOURCE_EXHAUSTED
    Item item = image("a", TestInputs.png(16, 16, 1));
    String huge = "x".repeat(9000);
    assertStatus(() -> call().classify(ClassifyRequest.newBuilder().setModel(huge)
        .addItems(item).build()), Status.Code.NOT_FOUND, "(9000 chars)");
    assertStatus(() -> call().classify(ClassifyRequest.newBuilder().setModel("shapes")
        .setVersion(huge).addItems(item).build()), Status.Code.NOT_FOUND, "(9000 chars)");
    assertStatus(() -> call().classify(ClassifyRequest.newBuilder().setModel("shapes")
        .addHeads(huge).addItems(item).build()), Status.Code.NOT_FOUND, "(9000 chars)");
  }

  @Test
  void tooManyOrNoItemsAreInvalidArgumentNamingTheLimit() {
    ClassifyRequest.Builder big = ClassifyRequest.newBuilder().setModel("shapes");
    byte[] png = TestInputs.png(16, 16, 3);
    for (int i = 0; i <= MAX_ITEMS; i++) {
      big.addItems(image("x" + i, png));
    }
    assertStatus(() -> call().classify(big.build()), Status.Code.INVALID_ARGUMENT,
        "cerberus.max-items-per-request");
    assertStatus(() -> call().classify(ClassifyRequest.newBuilder().setModel("shapes").build()),
        Status.Code.INVALID_ARGUMENT, "no items");
  }

  @Test
  void badItemsGetItemErrorsWhileTheOthersArePredicted() {
    ClassifyResponse r = call().classify(ClassifyRequest.newBuilder().setModel("shapes")
        .addItems(image("good", TestInputs.png(16, 16, 5)))
        .addItems(image("truncated", TestInputs.truncatedPng()))
        .addItems(image("zip", TestInputs.zipBytes()))
        .addItems(image("empty", new byte[0]))
        .addItems(image("huge", TestInputs.hugePngHeader()))
        .addItems(Item.newBuilder().setId("nothing"))
        .addItems(image("good2", TestInputs.png(20, 30, 6)))
        .build());
    assertThat(r.getResultsCount()).isEqualTo(7);
    assertThat(r.getResults(0).hasPrediction()).isTrue();
    assertThat(r.getResults(6).hasPrediction()).isTrue();
    for (int i = 1; i <= 5; i++) {
      ItemResult bad = r.getResults(i);
      assertThat(bad.hasError()).as(bad.getId()).isTrue();
      assertThat(bad.getError().getCode())
          .isIn(ItemErrorCode.INVALID_ARGUMENT, ItemErrorCode.RESOURCE_EXHAUSTED);
      assertThat(bad.getError().getMessage()).isNotBlank();
    }
    assertThat(r.getResults(4).getError().getMessage()).contains("50000");
    // like every size limit, the pixel limit is the client's error, not the server's capacity
    assertThat(r.getResults(4).getError().getCode()).isEqualTo(ItemErrorCode.INVALID_ARGUMENT);
    assertThat(r.getResults(5).getError().getMessage()).contains("image, text or tensor");
  }

  @Test
  void textItemsOverTheLimitOrEmptyFailAlone() {
    String megabyte = "a".repeat(1 << 20);
    ClassifyResponse r = call().classify(ClassifyRequest.newBuilder().setModel("topics")
        .addItems(text("ok", "the quick brown fox"))
        .addItems(text("empty", ""))
        .addItems(text("huge", megabyte))
        .build());
    assertThat(r.getResults(0).hasPrediction()).isTrue();
    assertThat(r.getResults(1).getError().getCode()).isEqualTo(ItemErrorCode.INVALID_ARGUMENT);
    assertThat(r.getResults(2).getError().getMessage())
        .contains("cerberus.limits.max-text-bytes");
  }

  @Test
  void sixtyFourImagesTakeTwoForwardPassesVisibleInGetModel() {
    GetModelRequest get = GetModelRequest.newBuilder().setModel("counting").build();
    long before = call().getModel(get).getStats().getForwardPasses();
    ClassifyRequest.Builder req = ClassifyRequest.newBuilder().setModel("counting");
    for (int i = 0; i < 64; i++) {
      req.addItems(image("i" + i, TestInputs.png(16 + i % 7, 16, i)));
    }
    ClassifyResponse r = call().classify(req.build());
    assertThat(r.getResultsList()).allMatch(ItemResult::hasPrediction);
    ModelInfo info = call().getModel(get);
    assertThat(info.getStats().getForwardPasses() - before).isEqualTo(2);
    assertThat(info.getStats().getBatchSizesList())
        .anySatisfy(b -> assertThat(b.getSize()).isEqualTo(32));
    assertThat(info.getStats().getQueueDepth()).isZero();
    assertThat(info.getHeadsList()).extracting(h -> h.getName())
        .containsExactly("category", "is-bright", "texture");
    assertThat(info.getHeads(1).getBaseLabel()).isEqualTo("dark");
    assertThat(info.getUnknownPolicy().getMethod()).isEqualTo("max_softmax");
    assertThat(info.getUnknownPolicy().getDecisionHead()).isEqualTo("category");
    assertThat(info.getInput().getImageWidth()).isEqualTo(16);
    assertThat(info.getFeatureSize()).isEqualTo(8);
    assertThat(info.getMetricsMap()).containsKey("accuracy");
  }

  @Test
  void streamOfTenThousandItemsLosesNoneAndRespectsTheInFlightLimit() throws Exception {
    int total = 10_000;
    int perMessage = 50;
    byte[][] pngs = new byte[8][];
    for (int i = 0; i < pngs.length; i++) {
      pngs[i] = TestInputs.png(16, 16, i);
    }
    ConcurrentLinkedQueue<ItemResult> results = new ConcurrentLinkedQueue<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    AtomicInteger maxDepth = new AtomicInteger();
    StreamObserver<ClassifyStreamRequest> requests = ClassifierGrpc.newStub(channel)
        .withDeadlineAfter(240, TimeUnit.SECONDS)
        .classifyStream(new StreamObserver<>() {
          @Override
          public void onNext(ClassifyStreamResponse value) {
            results.addAll(value.getResultsList());
            int depth = server.repository().resolve("shapes", "1").stats().queueDepth();
            maxDepth.accumulateAndGet(depth, Math::max);
          }

          @Override
          public void onError(Throwable t) {
            done.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            done.complete(null);
          }
        });
    for (int m = 0; m < total / perMessage; m++) {
      ClassifyStreamRequest.Builder msg = ClassifyStreamRequest.newBuilder();
      if (m == 0) {
        msg.setModel("shapes").setVersion("1").addHeads("category");
      }
      for (int i = 0; i < perMessage; i++) {
        int n = m * perMessage + i;
        msg.addItems(image("id-" + n, pngs[n % pngs.length]));
      }
      requests.onNext(msg.build());
    }
    requests.onCompleted();
    done.get(240, TimeUnit.SECONDS);
    assertThat(results).hasSize(total);
    Set<Long> indexes = new HashSet<>();
    for (ItemResult r : results) {
      assertThat(r.getId()).isEqualTo("id-" + r.getIndex());
      assertThat(r.hasPrediction()).as(r.getError().getMessage()).isTrue();
      assertThat(r.getPrediction().getHeadsCount()).isEqualTo(1);
      indexes.add(r.getIndex());
    }
    assertThat(indexes).hasSize(total);
    // the server stops reading at the limit; one message may overshoot it
    assertThat(maxDepth.get()).isLessThanOrEqualTo(MAX_IN_FLIGHT + perMessage);
  }

  @Test
  void clientCancelReleasesEverythingTheStreamHeld() throws Exception {
    var shapes = server.repository().resolve("shapes", "1");
    CompletableFuture<Void> closed = new CompletableFuture<>();
    var call = new io.grpc.stub.ClientResponseObserver<ClassifyStreamRequest,
        ClassifyStreamResponse>() {
      io.grpc.stub.ClientCallStreamObserver<ClassifyStreamRequest> requests;

      @Override
      public void beforeStart(io.grpc.stub.ClientCallStreamObserver<ClassifyStreamRequest> r) {
        requests = r;
      }

      @Override
      public void onNext(ClassifyStreamResponse value) {}

      @Override
      public void onError(Throwable t) {
        closed.complete(null);
      }

      @Override
      public void onCompleted() {
        closed.complete(null);
      }
    };
    ClassifierGrpc.newStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS).classifyStream(call);
    byte[] png = TestInputs.png(16, 16, 4);
    for (int m = 0; m < 40; m++) {
      ClassifyStreamRequest.Builder msg = ClassifyStreamRequest.newBuilder().setModel("shapes")
          .setVersion("1");
      for (int i = 0; i < 50; i++) {
        msg.addItems(image("c" + i, png));
      }
      call.requests.onNext(msg.build());
    }
    call.requests.cancel("test cancels", null);
    closed.get(30, TimeUnit.SECONDS);
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (shapes.stats().queueDepth() > 0 && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    assertThat(shapes.stats().queueDepth()).isZero();
    // the server still serves the same model normally afterwards
    assertThat(call().classify(ClassifyRequest.newBuilder().setModel("shapes").setVersion("1")
        .addItems(image("after", png)).build()).getResults(0).hasPrediction()).isTrue();
  }

  @Test
  void anExpiredDeadlineIsDeadlineExceededAndTheServerCarriesOn() {
    ClassifyRequest.Builder req = ClassifyRequest.newBuilder().setModel("shapes");
    byte[] png = TestInputs.png(64, 64, 9);
    for (int i = 0; i < MAX_ITEMS; i++) {
      req.addItems(image("d" + i, png));
    }
    assertThatThrownBy(() -> stub.withDeadlineAfter(1, TimeUnit.MILLISECONDS)
        .classify(req.build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    var shapes = server.repository().resolve("shapes", "");
    while (shapes.stats().queueDepth() > 0 && System.nanoTime() < until) {
      Thread.onSpinWait();
    }
    assertThat(shapes.stats().queueDepth()).isZero();
    assertThat(call().classify(ClassifyRequest.newBuilder().setModel("shapes")
        .addItems(image("after", png)).build()).getResults(0).hasPrediction()).isTrue();
  }

  @Test
  void streamWithoutAModelFailsWithInvalidArgument() throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<ClassifyStreamRequest> requests = ClassifierGrpc.newStub(channel)
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .classifyStream(new StreamObserver<>() {
          @Override
          public void onNext(ClassifyStreamResponse value) {}

          @Override
          public void onError(Throwable t) {
            done.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            done.complete(null);
          }
        });
    requests.onNext(ClassifyStreamRequest.newBuilder()
        .addItems(image("a", TestInputs.png(16, 16, 1))).build());
    assertThatThrownBy(() -> done.get(30, TimeUnit.SECONDS))
        .hasCauseInstanceOf(StatusRuntimeException.class)
        .hasMessageContaining("INVALID_ARGUMENT")
        .hasMessageContaining("must name a model");
    requests.onCompleted();
  }

  @Test
  void healthIsServing() {
    var health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
        .isEqualTo(ServingStatus.SERVING);
    assertThat(health.check(HealthCheckRequest.newBuilder()
        .setService(ClassifierGrpc.SERVICE_NAME).build()).getStatus())
        .isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void reflectionListsTheServices() throws Exception {
    CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> req = ServerReflectionGrpc.newStub(channel)
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
    req.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    List<String> names = new ArrayList<>();
    for (ServiceResponse s : answer.get(10, TimeUnit.SECONDS).getListServicesResponse()
        .getServiceList()) {
      names.add(s.getName());
    }
    req.onCompleted();
    assertThat(names).contains("cerberus.v1.Classifier", "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection");
  }

  @Test
  void prometheusEndpointExposesRequestAndBatchMetrics() throws Exception {
    call().classify(ClassifyRequest.newBuilder().setModel("shapes")
        .addItems(image("a", TestInputs.png(16, 16, 1))).build());
    HttpResponse<String> page = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.metricsPort() + "/metrics"))
            .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body())
        .contains("cerberus_requests_total{code=\"OK\",method=\"cerberus.v1.Classifier/Classify\"}")
        .contains("cerberus_forward_passes_total{model=\"shapes\",version=\"2\"}")
        .contains("cerberus_batch_size_bucket")
        .contains("cerberus_forward_seconds_bucket")
        .contains("cerberus_queue_delay_seconds_bucket")
        .contains("cerberus_queue_depth{model=\"shapes\",version=\"2\"}");
  }

  static void assertStatus(Runnable call, Status.Code code, String messagePart) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(code);
          assertThat(e.getStatus().getDescription()).contains(messagePart);
        });
  }
}
