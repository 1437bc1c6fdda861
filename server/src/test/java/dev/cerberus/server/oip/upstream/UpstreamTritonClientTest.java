package dev.cerberus.server.oip.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import inference.GrpcService.InferParameter;
import inference.GrpcService.InferTensorContents;
import inference.GrpcService.ModelConfigRequest;
import inference.GrpcService.ModelInferRequest;
import inference.GrpcService.ModelInferRequest.InferInputTensor;
import inference.GrpcService.ModelInferRequest.InferRequestedOutputTensor;
import inference.GrpcService.ModelInferResponse;
import inference.GrpcService.ModelMetadataRequest;
import inference.GrpcService.ModelReadyRequest;
import inference.GrpcService.ModelStatistics;
import inference.GrpcService.ModelStatisticsRequest;
import inference.GrpcService.ModelStreamInferResponse;
import inference.GrpcService.ServerLiveRequest;
import inference.GrpcService.ServerMetadataRequest;
import inference.GrpcService.ServerReadyRequest;
import inference.ModelConfigOuterClass.DataType;
import inference.ModelConfigOuterClass.ModelConfig;
import inference.ModelConfigOuterClass.ModelInstanceGroup;
import inference.ModelConfigOuterClass.ModelOutput;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every non-repository RPC of the Triton service, called with stubs generated from the
 * vendored upstream grpc_service.proto / model_config.proto against the real server: inference
 * with the {@code classification} parameter, the stream's final-response flag, ModelConfig,
 * ModelStatistics (checked against /metrics) and the RPCs answered UNIMPLEMENTED.
 */
class UpstreamTritonClientTest {

  @TempDir static Path dir;
  private static UpstreamServer server;

  @BeforeAll
  static void start() throws Exception {
    server = new UpstreamServer(dir, Map.of());
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  static ModelInferRequest.Builder vectors(int items) {
    InferTensorContents.Builder values = InferTensorContents.newBuilder();
    for (int i = 0; i < items * 4; i++) values.addFp32Contents((i % 7) - 3f);
    return ModelInferRequest.newBuilder().setModelName("vectors").setId("r1")
        .addInputs(InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
            .addShape(items).addShape(4).setContents(values));
  }

  private static InferRequestedOutputTensor classify(String output, long k) {
    return InferRequestedOutputTensor.newBuilder().setName(output)
        .putParameters("classification", InferParameter.newBuilder().setInt64Param(k).build())
        .build();
  }

  @Test
  void healthAndMetadata() {
    var stub = server.blocking();
    assertThat(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
    assertThat(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
    assertThat(stub.modelReady(ModelReadyRequest.newBuilder().setName("vectors").build())
        .getReady()).isTrue();
    assertThat(stub.modelReady(ModelReadyRequest.newBuilder().setName("nope").build())
        .getReady()).isFalse();
    assertThat(stub.serverMetadata(ServerMetadataRequest.getDefaultInstance()).getName())
        .isEqualTo("cerberus");
    var meta = stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("vectors").build());
    assertThat(meta.getInputs(0).getShapeList()).containsExactly(-1L, 4L);
    assertThat(meta.getOutputsList()).extracting(t -> t.getName()).contains("color", "decision");
  }

  @Test
  void classificationReturnsTopKAsScoreIndexLabel() {
    var stub = server.blocking();
    ModelInferResponse plain = stub.modelInfer(vectors(3)
        .addOutputs(InferRequestedOutputTensor.newBuilder().setName("color")).build());
    List<Float> p = plain.getOutputs(0).getContents().getFp32ContentsList();
    ModelInferResponse top = stub.modelInfer(vectors(3).addOutputs(classify("color", 2)).build());
    var tensor = top.getOutputs(0);
    assertThat(tensor.getDatatype()).isEqualTo("BYTES");
    assertThat(tensor.getShapeList()).containsExactly(3L, 2L);
    List<String> labels = List.of("red", "green", "blue");
    for (int item = 0; item < 3; item++) {
      String[] best = tensor.getContents().getBytesContents(item * 2).toStringUtf8().split(":");
      String[] second = tensor.getContents().getBytesContents(item * 2 + 1).toStringUtf8()
          .split(":");
      int index = Integer.parseInt(best[1]);
      assertThat(best[2]).isEqualTo(labels.get(index));
      assertThat(Float.parseFloat(best[0])).isEqualTo(p.get(item * 3 + index));
      assertThat(Float.parseFloat(best[0])).isGreaterThanOrEqualTo(Float.parseFloat(second[0]));
      for (int c = 0; c < 3; c++) {
        assertThat(p.get(item * 3 + c)).isLessThanOrEqualTo(Float.parseFloat(best[0]));
      }
    }
    // k above the label count is cut to it, as Triton does
    assertThat(stub.modelInfer(vectors(1).addOutputs(classify("color", 10)).build())
        .getOutputs(0).getShapeList()).containsExactly(1L, 3L);
  }

  @Test
  void classificationWithRawContents() {
    var request = vectors(2).addOutputs(classify("is-big", 1));
    InferTensorContents contents = request.getInputs(0).getContents();
    java.nio.ByteBuffer raw = java.nio.ByteBuffer.allocate(8 * 4)
        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
    contents.getFp32ContentsList().forEach(raw::putFloat);
    request.setInputs(0, request.getInputs(0).toBuilder().clearContents())
        .addRawInputContents(ByteString.copyFrom(raw.array()));
    ModelInferResponse response = server.blocking().modelInfer(request.build());
    java.nio.ByteBuffer out = response.getRawOutputContents(0).asReadOnlyByteBuffer()
        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
    int length = out.getInt();
    byte[] first = new byte[length];
    out.get(first);
    assertThat(new String(first, StandardCharsets.UTF_8)).matches("[0-9.Ee-]+:[01]:(small|big)");
  }

  @Test
  void badClassificationRequestsAreInvalidArgument() {
    var stub = server.blocking();
    assertStatus(() -> stub.modelInfer(vectors(1).addOutputs(classify("decision", 1)).build()),
        Status.Code.INVALID_ARGUMENT, "applies to a head's probabilities output");
    assertStatus(() -> stub.modelInfer(vectors(1).addOutputs(classify("color", 0)).build()),
        Status.Code.INVALID_ARGUMENT, "ask for 1 to 3 top classes");
    assertStatus(() -> stub.modelInfer(vectors(1).addOutputs(InferRequestedOutputTensor
            .newBuilder().setName("color").putParameters("classification",
                InferParameter.newBuilder().setStringParam("2").build())).build()),
        Status.Code.INVALID_ARGUMENT, "must be an int64");
  }

  @Test
  void streamMarksTheFinalResponseWhenAsked() throws Exception {
    InferParameter on = InferParameter.newBuilder().setBoolParam(true).build();
    List<ModelStreamInferResponse> got = stream(List.of(
        vectors(1).setId("flagged").putParameters("triton_enable_empty_final_response", on)
            .build(),
        vectors(1).setId("plain").build(),
        vectors(1).setId("bad").putParameters("triton_enable_empty_final_response",
            InferParameter.newBuilder().setStringParam("yes").build()).build()));
    assertThat(got).hasSize(3);
    for (ModelStreamInferResponse r : got) {
      var params = r.getInferResponse().getParametersMap();
      switch (r.getInferResponse().getId()) {
        case "flagged" -> {
          assertThat(r.getErrorMessage()).isEmpty();
          assertThat(params.get("triton_final_response").getBoolParam()).isTrue();
          assertThat(r.getInferResponse().getOutputsCount()).isPositive();
        }
        case "plain" -> assertThat(params).doesNotContainKey("triton_final_response");
        default -> assertThat(r.getErrorMessage()).startsWith("INVALID_ARGUMENT")
            .contains("triton_enable_empty_final_response");
      }
    }
  }

  static List<ModelStreamInferResponse> stream(List<ModelInferRequest> requests)
      throws InterruptedException {
    List<ModelStreamInferResponse> got = new ArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    var in = server.async().withDeadlineAfter(60, TimeUnit.SECONDS)
        .modelStreamInfer(new StreamObserver<>() {
          @Override
          public void onNext(ModelStreamInferResponse r) {
            synchronized (got) {
              got.add(r);
            }
          }

          @Override
          public void onError(Throwable t) {
            done.countDown();
          }

          @Override
          public void onCompleted() {
            done.countDown();
          }
        });
    requests.forEach(in::onNext);
    in.onCompleted();
    assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
    return got;
  }

  @Test
  void modelConfigIsTruthful() {
    ModelConfig config = server.blocking()
        .modelConfig(ModelConfigRequest.newBuilder().setName("vectors").build()).getConfig();
    assertThat(config.getName()).isEqualTo("vectors");
    assertThat(config.getMaxBatchSize()).isEqualTo(32); // cerberus.batch.max-size default
    assertThat(config.getDynamicBatching().getMaxQueueDelayMicroseconds()).isEqualTo(5000);
    assertThat(config.getVersionPolicy().hasAll()).isTrue();
    assertThat(config.getInput(0).getName()).isEqualTo("input");
    assertThat(config.getInput(0).getDataType()).isEqualTo(DataType.TYPE_FP32);
    assertThat(config.getInput(0).getDimsList()).containsExactly(4L);
    ModelOutput color = config.getOutputList().stream()
        .filter(o -> o.getName().equals("color")).findFirst().orElseThrow();
    assertThat(color.getDataType()).isEqualTo(DataType.TYPE_FP32);
    assertThat(color.getDimsList()).containsExactly(3L);
    ModelOutput decision = config.getOutputList().stream()
        .filter(o -> o.getName().equals("decision")).findFirst().orElseThrow();
    assertThat(decision.getDataType()).isEqualTo(DataType.TYPE_STRING);
    assertThat(decision.getDimsList()).containsExactly(1L);
    assertThat(decision.hasReshape()).isTrue();
    assertThat(decision.getReshape().getShapeCount()).isZero();
    assertThat(config.getInstanceGroup(0).getKind()).isEqualTo(ModelInstanceGroup.Kind.KIND_CPU);
    assertThat(config.getParametersMap().get("labels.color").getStringValue())
        .isEqualTo("[\"red\",\"green\",\"blue\"]");
    ModelConfig pictures = server.blocking()
        .modelConfig(ModelConfigRequest.newBuilder().setName("pictures").build()).getConfig();
    assertThat(pictures.getInput(0).getDataType()).isEqualTo(DataType.TYPE_STRING);
    assertStatus(() -> server.blocking().modelConfig(
        ModelConfigRequest.newBuilder().setName("nope").build()), Status.Code.NOT_FOUND,
        "model 'nope' is not loaded");
  }

  @Test
  void statisticsCountRequestsAndMatchMetrics() throws Exception {
    var stub = server.blocking();
    ModelStatisticsRequest pictures = ModelStatisticsRequest.newBuilder().setName("pictures")
        .setVersion("1").build();
    ModelStatistics before = stub.modelStatistics(pictures).getModelStats(0);
    ModelInferRequest good = ModelInferRequest.newBuilder().setModelName("pictures")
        .addInputs(InferInputTensor.newBuilder().setName("input").setDatatype("BYTES")
            .addShape(2).setContents(InferTensorContents.newBuilder()
                .addBytesContents(png()).addBytesContents(png()))).build();
    for (int i = 0; i < 3; i++) stub.modelInfer(good);
    ModelInferRequest corrupt = good.toBuilder().setInputs(0, good.getInputs(0).toBuilder()
        .setContents(InferTensorContents.newBuilder().addBytesContents(png())
            .addBytesContents(ByteString.copyFromUtf8("not an image")))).build();
    assertStatus(() -> stub.modelInfer(corrupt), Status.Code.INVALID_ARGUMENT, "item 1");
    ModelStatistics after = stub.modelStatistics(pictures).getModelStats(0);
    var s = after.getInferenceStats();
    assertThat(s.getSuccess().getCount() - before.getInferenceStats().getSuccess().getCount())
        .isEqualTo(3);
    assertThat(s.getFail().getCount() - before.getInferenceStats().getFail().getCount())
        .isEqualTo(1);
    assertThat(after.getInferenceCount() - before.getInferenceCount()).isEqualTo(7);
    assertThat(s.getComputeInfer().getNs()).isPositive();
    assertThat(s.getComputeInput().getCount()).isGreaterThanOrEqualTo(4);
    assertThat(after.getLastInference()).isGreaterThan(System.currentTimeMillis() - 60_000);
    long passes = after.getBatchStatsList().stream()
        .mapToLong(b -> b.getComputeInfer().getCount()).sum();
    assertThat(passes).isEqualTo(after.getExecutionCount());
    long items = after.getBatchStatsList().stream()
        .mapToLong(b -> b.getBatchSize() * b.getComputeInfer().getCount()).sum();
    assertThat(items).isEqualTo(after.getInferenceCount());

    String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + server.server.metricsPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    ModelStatistics now = stub.modelStatistics(pictures).getModelStats(0);
    assertThat(metric(metrics, "cerberus_inference_phase_total", "success"))
        .isEqualTo(now.getInferenceStats().getSuccess().getCount());
    assertThat(metric(metrics, "cerberus_inference_phase_total", "fail"))
        .isEqualTo(now.getInferenceStats().getFail().getCount());
    assertThat(metric(metrics, "cerberus_inference_phase_seconds_total", "compute_infer"))
        .isCloseTo(now.getInferenceStats().getComputeInfer().getNs() / 1e9,
            org.assertj.core.data.Offset.offset(1e-6));

    assertThat(stub.modelStatistics(ModelStatisticsRequest.getDefaultInstance())
        .getModelStatsList()).extracting(ModelStatistics::getName)
        .containsExactlyInAnyOrder("pictures", "vectors");
    assertStatus(() -> stub.modelStatistics(ModelStatisticsRequest.newBuilder().setName("nope")
        .build()), Status.Code.NOT_FOUND, "nope");
    assertStatus(() -> stub.modelStatistics(ModelStatisticsRequest.newBuilder().setVersion("1")
        .build()), Status.Code.INVALID_ARGUMENT, "needs a model name");
  }

  private static double metric(String text, String name, String phase) {
    Matcher m = Pattern.compile("(?m)^" + name + "\\{[^}]*model=\"pictures\",phase=\"" + phase
        + "\",version=\"1\"} (\\S+)$").matcher(text);
    assertThat(m.find()).as(name + " " + phase + " in\n" + text).isTrue();
    return Double.parseDouble(m.group(1));
  }

  static ByteString png() {
    try {
      java.awt.image.BufferedImage img =
          new java.awt.image.BufferedImage(16, 16, java.awt.image.BufferedImage.TYPE_INT_RGB);
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      javax.imageio.ImageIO.write(img, "png", out);
      return ByteString.copyFrom(out.toByteArray());
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void sharedMemoryTraceAndLogAreUnimplementedWithAReason() {
    var stub = server.blocking();
    List<Runnable> calls = List.of(
        () -> stub.systemSharedMemoryStatus(
            inference.GrpcService.SystemSharedMemoryStatusRequest.getDefaultInstance()),
        () -> stub.systemSharedMemoryRegister(
            inference.GrpcService.SystemSharedMemoryRegisterRequest.getDefaultInstance()),
        () -> stub.systemSharedMemoryUnregister(
            inference.GrpcService.SystemSharedMemoryUnregisterRequest.getDefaultInstance()),
        () -> stub.cudaSharedMemoryStatus(
            inference.GrpcService.CudaSharedMemoryStatusRequest.getDefaultInstance()),
        () -> stub.cudaSharedMemoryRegister(
            inference.GrpcService.CudaSharedMemoryRegisterRequest.getDefaultInstance()),
        () -> stub.cudaSharedMemoryUnregister(
            inference.GrpcService.CudaSharedMemoryUnregisterRequest.getDefaultInstance()),
        () -> stub.traceSetting(inference.GrpcService.TraceSettingRequest.getDefaultInstance()),
        () -> stub.logSettings(inference.GrpcService.LogSettingsRequest.getDefaultInstance()));
    for (Runnable call : calls) {
      assertStatus(call::run, Status.Code.UNIMPLEMENTED, "Cerberus does not implement");
    }
  }

  static void assertStatus(org.assertj.core.api.ThrowableAssert.ThrowingCallable call,
      Status.Code code, String message) {
    assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code);
      assertThat(e.getStatus().getDescription()).contains(message);
    });
  }
}
