package dev.cerberus.server.oip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import dev.cerberus.proto.oip.InferTensorContents;
import dev.cerberus.proto.oip.ModelInferRequest;
import dev.cerberus.proto.oip.ModelInferRequest.InferInputTensor;
import dev.cerberus.proto.oip.ModelInferRequest.InferRequestedOutputTensor;
import dev.cerberus.proto.oip.ModelInferResponse;
import dev.cerberus.proto.oip.ModelInferResponse.InferOutputTensor;
import dev.cerberus.proto.oip.ModelMetadataRequest;
import dev.cerberus.proto.oip.ModelMetadataResponse;
import dev.cerberus.proto.oip.ModelMetadataResponse.TensorMetadata;
import dev.cerberus.proto.oip.ModelReadyRequest;
import dev.cerberus.proto.oip.ModelStreamInferResponse;
import dev.cerberus.proto.oip.ServerLiveRequest;
import dev.cerberus.proto.oip.ServerReadyRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** ModelInfer, ModelStreamInfer and metadata over loopback Netty with the real DJL engine. */
class OipInferenceServiceTest {

  private static OipServer server;

  @BeforeAll
  static void start() throws Exception {
    server = new OipServer(new OipSettings(2, "test"));
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  // ---- health and metadata

  @Test
  void serverAndModelReadiness() {
    var stub = server.blocking();
    assertThat(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
    assertThat(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
    assertThat(stub.modelReady(ModelReadyRequest.newBuilder().setName("vectors").build()).getReady())
        .isTrue();
    assertThat(stub.modelReady(
        ModelReadyRequest.newBuilder().setName("vectors").setVersion("9").build()).getReady())
        .isFalse();
    assertThat(stub.modelReady(ModelReadyRequest.newBuilder().setName("nope").build()).getReady())
        .isFalse();
  }

  @Test
  void metadataDescribesInputsAndOutputs() {
    ModelMetadataResponse meta =
        server.blocking().modelMetadata(ModelMetadataRequest.newBuilder().setName("vectors").build());
    assertThat(meta.getName()).isEqualTo("vectors");
    assertThat(meta.getVersionsList()).containsExactly("1");
    assertThat(meta.getPlatform()).isEqualTo("cerberus");
    assertThat(meta.getInputsList()).containsExactly(tensorMeta("input", "FP32", -1, 4));
    assertThat(meta.getOutputsList())
        .containsExactly(
            tensorMeta("color", "FP32", -1, 3),
            tensorMeta("is-big", "FP32", -1, 2),
            tensorMeta("decision", "BYTES", -1),
            tensorMeta("unknown", "BOOL", -1),
            tensorMeta("ood_score", "FP32", -1),
            tensorMeta("reason", "BYTES", -1));
    ModelMetadataResponse pictures =
        server.blocking().modelMetadata(ModelMetadataRequest.newBuilder().setName("pictures").build());
    assertThat(pictures.getInputsList()).containsExactly(tensorMeta("input", "BYTES", -1));
  }

  @Test
  void metadataOfUnknownModelIsNotFound() {
    assertStatus(
        () -> server.blocking().modelMetadata(ModelMetadataRequest.newBuilder().setName("nope").build()),
        Status.Code.NOT_FOUND, "model 'nope' is not loaded");
  }

  // ---- FP32 inputs

  @Test
  void fp32InferReturnsConsistentProbabilitiesAndDecision() {
    float[] values = {0.5f, -1f, 2f, 0f, -3f, 1f, 0.25f, 4f};
    ModelInferResponse resp = server.blocking().modelInfer(fp32Request("vectors", values, 2, 4).setId("r1").build());
    assertThat(resp.getModelName()).isEqualTo("vectors");
    assertThat(resp.getModelVersion()).isEqualTo("1");
    assertThat(resp.getId()).isEqualTo("r1");
    assertThat(resp.getOutputsList()).extracting(InferOutputTensor::getName)
        .containsExactly("color", "is-big", "decision", "unknown", "ood_score", "reason");
    InferOutputTensor color = resp.getOutputs(0);
    assertThat(color.getShapeList()).containsExactly(2L, 3L);
    assertThat(color.getParametersOrThrow("labels").getStringParam()).isEqualTo("[\"red\",\"green\",\"blue\"]");
    List<Float> p = color.getContents().getFp32ContentsList();
    List<String> labels = List.of("red", "green", "blue");
    for (int i = 0; i < 2; i++) {
      List<Float> row = p.subList(i * 3, i * 3 + 3);
      float max = Collections.max(row);
      assertThat(row.get(0) + row.get(1) + row.get(2)).isCloseTo(1f, within(1e-5f));
      // max_softmax policy of the fixture: ood = 1 - max p, unknown = ood > 0.6
      float ood = resp.getOutputs(4).getContents().getFp32Contents(i);
      assertThat(ood).isCloseTo(1 - max, within(1e-5f));
      boolean unknown = resp.getOutputs(3).getContents().getBoolContents(i);
      assertThat(unknown).isEqualTo(ood > 0.6f);
      String decision = resp.getOutputs(2).getContents().getBytesContents(i).toStringUtf8();
      assertThat(decision).isEqualTo(unknown ? "unknown" : labels.get(row.indexOf(max)));
    }
    List<Float> big = resp.getOutputs(1).getContents().getFp32ContentsList();
    assertThat(big).hasSize(4);
    assertThat(big.get(0) + big.get(1)).isCloseTo(1f, within(1e-5f));
  }

  @Test
  void rawFp32InputGivesTheSameAnswerInRawOutputs() {
    float[] values = {0.5f, -1f, 2f, 0f, -3f, 1f, 0.25f, 4f};
    ModelInferResponse typed = server.blocking().modelInfer(fp32Request("vectors", values, 2, 4).build());
    ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    raw.asFloatBuffer().put(values);
    ModelInferRequest rawRequest =
        ModelInferRequest.newBuilder()
            .setModelName("vectors")
            .addInputs(InferInputTensor.newBuilder().setName("input").setDatatype("FP32").addShape(2).addShape(4))
            .addRawInputContents(ByteString.copyFrom(raw.array()))
            .addOutputs(InferRequestedOutputTensor.newBuilder().setName("color"))
            .build();
    ModelInferResponse resp = server.blocking().modelInfer(rawRequest);
    assertThat(resp.getOutputsCount()).isEqualTo(1);
    assertThat(resp.getOutputs(0).hasContents()).isFalse();
    float[] got = new float[6];
    resp.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(got);
    for (int i = 0; i < 6; i++) {
      assertThat(got[i]).isCloseTo(typed.getOutputs(0).getContents().getFp32Contents(i), within(1e-6f));
    }
  }

  // ---- BYTES inputs (images)

  @Test
  void bytesImagesAreClassifiedAndRequestedOutputsHonoured() throws Exception {
    ModelInferRequest request =
        bytesRequest("pictures", List.of(png(Color.BLACK), png(Color.WHITE)), 2, 1)
            .addOutputs(InferRequestedOutputTensor.newBuilder().setName("ood_score"))
            .addOutputs(InferRequestedOutputTensor.newBuilder().setName("shade"))
            .build();
    ModelInferResponse resp = server.blocking().modelInfer(request);
    assertThat(resp.getOutputsList()).extracting(InferOutputTensor::getName).containsExactly("ood_score", "shade");
    List<Float> shade = resp.getOutputs(1).getContents().getFp32ContentsList();
    assertThat(resp.getOutputs(1).getShapeList()).containsExactly(2L, 3L);
    // black and white images have different features, so different probabilities
    assertThat(shade.subList(0, 3)).isNotEqualTo(shade.subList(3, 6));
  }

  @Test
  void rawBytesInputIsSplitOnLengthPrefixes() throws Exception {
    byte[] a = png(Color.BLACK);
    byte[] b = png(Color.WHITE);
    ByteBuffer raw = ByteBuffer.allocate(8 + a.length + b.length).order(ByteOrder.LITTLE_ENDIAN);
    raw.putInt(a.length).put(a).putInt(b.length).put(b);
    ModelInferRequest rawRequest =
        ModelInferRequest.newBuilder()
            .setModelName("pictures")
            .addInputs(InferInputTensor.newBuilder().setName("input").setDatatype("BYTES").addShape(2))
            .addRawInputContents(ByteString.copyFrom(raw.array()))
            .addOutputs(InferRequestedOutputTensor.newBuilder().setName("decision"))
            .build();
    ModelInferResponse viaRaw = server.blocking().modelInfer(rawRequest);
    ModelInferResponse typed =
        server.blocking().modelInfer(bytesRequest("pictures", List.of(a, b), 2)
            .addOutputs(InferRequestedOutputTensor.newBuilder().setName("decision")).build());
    ByteString rawDecisions = viaRaw.getRawOutputContents(0);
    List<ByteString> typedDecisions = typed.getOutputs(0).getContents().getBytesContentsList();
    ByteBuffer expected = ByteBuffer.allocate(rawDecisions.size()).order(ByteOrder.LITTLE_ENDIAN);
    for (ByteString d : typedDecisions) expected.putInt(d.size()).put(d.toByteArray());
    assertThat(rawDecisions.toByteArray()).isEqualTo(expected.array());
  }

  // ---- BYTES inputs (UTF-8 texts)

  @Test
  void bytesTextsAreClassified() {
    ModelInferRequest request =
        bytesRequest("words", List.of("The cat".getBytes(java.nio.charset.StandardCharsets.UTF_8),
            "a bus".getBytes(java.nio.charset.StandardCharsets.UTF_8),
            "café".getBytes(java.nio.charset.StandardCharsets.UTF_8)), 3, 1).build();
    ModelInferResponse resp = server.blocking().modelInfer(request);
    InferOutputTensor topic = resp.getOutputs(0);
    assertThat(topic.getName()).isEqualTo("topic");
    assertThat(topic.getShapeList()).containsExactly(3L, 2L);
    List<Float> p = topic.getContents().getFp32ContentsList();
    assertThat(p.get(0) + p.get(1)).isCloseTo(1f, within(1e-5f));
    // different words, different embeddings, different probabilities
    assertThat(p.subList(0, 2)).isNotEqualTo(p.subList(2, 4));
    assertThat(resp.getOutputs(2).getName()).isEqualTo("unknown");
    assertThat(resp.getOutputs(2).getContents().getBoolContentsList()).containsExactly(false, false, false);
  }

  @Test
  void invalidUtf8AndEmptyTextAreRejectedNamingTheItem() {
    ModelInferRequest invalid =
        bytesRequest("words", List.of("the cat".getBytes(), new byte[] {(byte) 0xC3, (byte) 0x28}), 2).build();
    assertStatus(() -> server.blocking().modelInfer(invalid), Status.Code.INVALID_ARGUMENT,
        "item 1 of input 'input' is not valid UTF-8 text");
    ModelInferRequest empty = bytesRequest("words", List.of(new byte[0], "dog".getBytes()), 2).build();
    assertStatus(() -> server.blocking().modelInfer(empty), Status.Code.INVALID_ARGUMENT,
        "item 0: text is empty");
  }

  // ---- bad input

  @Test
  void corruptImageAmongGoodOnesFailsTheRequestNamingTheItem() throws Exception {
    ModelInferRequest request =
        bytesRequest("pictures", List.of(png(Color.BLACK), "not an image".getBytes(), png(Color.WHITE)), 3).build();
    assertStatus(() -> server.blocking().modelInfer(request), Status.Code.INVALID_ARGUMENT, "item 1: ");
  }

  @Test
  void missingInputs() {
    assertStatus(
        () -> server.blocking().modelInfer(ModelInferRequest.newBuilder().setModelName("vectors").build()),
        Status.Code.INVALID_ARGUMENT, "request has no inputs; model 'vectors' takes one input 'input' (FP32 [-1,4]");
  }

  @Test
  void wrongDatatype() {
    assertStatus(
        () -> server.blocking().modelInfer(bytesRequest("vectors", List.of(new byte[16]), 1).build()),
        Status.Code.INVALID_ARGUMENT, "input 'input' has datatype 'BYTES'; model 'vectors' (input kind tensor) takes 'input' (FP32");
  }

  @Test
  void shapeNotMatchingContents() {
    assertStatus(
        () -> server.blocking().modelInfer(fp32Request("vectors", new float[7], 2, 4).build()),
        Status.Code.INVALID_ARGUMENT, "has shape [2,4] (8 values) but carries 7 FP32 value(s)");
    assertStatus(
        () -> server.blocking().modelInfer(fp32Request("vectors", new float[10], 2, 5).build()),
        Status.Code.INVALID_ARGUMENT, "has shape [2,5]; model 'vectors' takes [-1,4]");
    assertStatus(
        () -> server.blocking().modelInfer(bytesRequest("pictures", List.of(new byte[] {1}), 2).build()),
        Status.Code.INVALID_ARGUMENT, "has shape [2] (2 elements) but carries 1 BYTES element(s)");
  }

  @Test
  void unknownOutputNamesTheAllowedOnes() {
    ModelInferRequest request =
        fp32Request("vectors", new float[4], 1, 4)
            .addOutputs(InferRequestedOutputTensor.newBuilder().setName("colour"))
            .build();
    assertStatus(() -> server.blocking().modelInfer(request), Status.Code.INVALID_ARGUMENT,
        "unknown output 'colour'; model 'vectors' has outputs [color, is-big, decision, unknown, ood_score, reason]");
  }

  @Test
  void malformedRawBytesAndUnknownInputName() {
    ModelInferRequest truncated =
        ModelInferRequest.newBuilder()
            .setModelName("pictures")
            .addInputs(InferInputTensor.newBuilder().setName("input").setDatatype("BYTES").addShape(1))
            .addRawInputContents(ByteString.copyFrom(new byte[] {100, 0, 0, 0, 1, 2}))
            .build();
    assertStatus(() -> server.blocking().modelInfer(truncated), Status.Code.INVALID_ARGUMENT,
        "raw BYTES element 0 at offset 0 declares 100 bytes but only 2 follow");
    ModelInferRequest misnamed =
        ModelInferRequest.newBuilder()
            .setModelName("vectors")
            .addInputs(InferInputTensor.newBuilder().setName("x").setDatatype("FP32").addShape(1).addShape(4)
                .setContents(InferTensorContents.newBuilder().addAllFp32Contents(List.of(1f, 2f, 3f, 4f))))
            .build();
    assertStatus(() -> server.blocking().modelInfer(misnamed), Status.Code.INVALID_ARGUMENT,
        "unknown input 'x'; model 'vectors' has one input 'input'");
  }

  @Test
  void tooManyItemsNamesTheSetting() {
    int n = OipServer.MAX_ITEMS + 1;
    assertStatus(
        () -> server.blocking().modelInfer(fp32Request("vectors", new float[n * 4], n, 4).build()),
        Status.Code.INVALID_ARGUMENT, "at most 64 are allowed per request (cerberus.max-items-per-request)");
  }

  @Test
  void unknownModelIsNotFound() {
    assertStatus(
        () -> server.blocking().modelInfer(fp32Request("nope", new float[4], 1, 4).build()),
        Status.Code.NOT_FOUND, "model 'nope' is not loaded; loaded models:");
  }

  // ---- streaming

  @Test
  void streamAnswersEveryRequestAndReportsErrorsInErrorMessage() throws Exception {
    List<ModelStreamInferResponse> responses = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch done = new CountDownLatch(1);
    Throwable[] failure = new Throwable[1];
    StreamObserver<ModelInferRequest> requests =
        server.async().withDeadlineAfter(60, TimeUnit.SECONDS).modelStreamInfer(new StreamObserver<>() {
          @Override public void onNext(ModelStreamInferResponse value) { responses.add(value); }
          @Override public void onError(Throwable t) { failure[0] = t; done.countDown(); }
          @Override public void onCompleted() { done.countDown(); }
        });
    int total = 20;
    for (int i = 0; i < total; i++) {
      ModelInferRequest.Builder r = i == 7
          ? fp32Request("vectors", new float[3], 1, 4)   // shape/contents mismatch
          : fp32Request("vectors", new float[] {i, 1, -i, 0.5f}, 1, 4);
      requests.onNext(r.setId("req-" + i).build());
    }
    requests.onCompleted();
    assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
    assertThat(failure[0]).isNull();
    assertThat(responses).hasSize(total);
    assertThat(responses).extracting(r -> r.getInferResponse().getId())
        .containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.range(0, total).mapToObj(i -> "req-" + i).toList());
    List<ModelStreamInferResponse> errors = responses.stream().filter(r -> !r.getErrorMessage().isEmpty()).toList();
    assertThat(errors).hasSize(1);
    assertThat(errors.get(0).getInferResponse().getId()).isEqualTo("req-7");
    assertThat(errors.get(0).getErrorMessage()).startsWith("INVALID_ARGUMENT: input 'input' has shape [1,4] (4 values) but carries 3");
    ModelStreamInferResponse ok = responses.stream().filter(r -> r.getErrorMessage().isEmpty()).findFirst().orElseThrow();
    assertThat(ok.getInferResponse().getOutputsCount()).isEqualTo(6);
  }

  // ---- helpers

  private static TensorMetadata tensorMeta(String name, String datatype, long... shape) {
    TensorMetadata.Builder t = TensorMetadata.newBuilder().setName(name).setDatatype(datatype);
    for (long d : shape) t.addShape(d);
    return t.build();
  }

  private static ModelInferRequest.Builder fp32Request(String model, float[] values, long... shape) {
    InferTensorContents.Builder c = InferTensorContents.newBuilder();
    for (float v : values) c.addFp32Contents(v);
    InferInputTensor.Builder in = InferInputTensor.newBuilder().setName("input").setDatatype("FP32").setContents(c);
    for (long d : shape) in.addShape(d);
    return ModelInferRequest.newBuilder().setModelName(model).addInputs(in);
  }

  private static ModelInferRequest.Builder bytesRequest(String model, List<byte[]> elements, long... shape) {
    InferTensorContents.Builder c = InferTensorContents.newBuilder();
    for (byte[] e : elements) c.addBytesContents(ByteString.copyFrom(e));
    InferInputTensor.Builder in = InferInputTensor.newBuilder().setName("input").setDatatype("BYTES").setContents(c);
    for (long d : shape) in.addShape(d);
    return ModelInferRequest.newBuilder().setModelName(model).addInputs(in);
  }

  private static byte[] png(Color color) throws Exception {
    BufferedImage img = new BufferedImage(20, 20, BufferedImage.TYPE_INT_RGB);
    var g = img.createGraphics();
    g.setColor(color);
    g.fillRect(0, 0, 20, 20);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  private static void assertStatus(ThrowingCallable call, Status.Code code, String messagePart) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(code);
          assertThat(e.getStatus().getDescription()).contains(messagePart);
        });
  }
}
