package dev.cerberus.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import dev.cerberus.model.GraphOptions;
import dev.cerberus.model.ItemPrediction;
import dev.cerberus.model.ServableModel;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.model.input.ModelInput;
import dev.cerberus.model.input.PreparedInput;
import dev.cerberus.model.testing.CascadeBundles;
import dev.cerberus.proto.oip.GRPCInferenceServiceGrpc;
import dev.cerberus.proto.oip.InferTensorContents;
import dev.cerberus.proto.oip.ModelInferRequest;
import dev.cerberus.proto.oip.ModelInferRequest.InferInputTensor;
import dev.cerberus.proto.oip.ModelInferResponse;
import dev.cerberus.proto.oip.ModelInferResponse.InferOutputTensor;
import dev.cerberus.proto.oip.ModelMetadataRequest;
import dev.cerberus.proto.oip.ModelMetadataResponse.TensorMetadata;
import dev.cerberus.proto.v1.ClassifierGrpc;
import dev.cerberus.proto.v1.ClassifyRequest;
import dev.cerberus.proto.v1.GetModelRequest;
import dev.cerberus.proto.v1.Item;
import dev.cerberus.proto.v1.ModelInfo;
import dev.cerberus.proto.v1.Prediction;
import dev.cerberus.proto.v1.Reason;
import dev.cerberus.proto.v1.ScoreComponent;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A gate cascade served over real gRPC on loopback (the flip fixture with has-stripe as gate,
 * top-level fusion of energy + mahalanobis + knn): thresholds probed in process send one item
 * to each step, and cerberus.v1, GetModel and the OIP outputs say why, with the members' scores.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CascadeServedTest {

  static final int ITEMS = 6;

  Path models;
  Path bundle;
  CerberusServer server;
  ManagedChannel channel;
  List<byte[]> images = new ArrayList<>();
  double[] thresholds; // gate, fusion, item gated, item rejected by the fusion

  @BeforeAll
  void start() throws Exception {
    models = Files.createTempDirectory("cerberus-cascade");
    for (int i = 0; i < ITEMS; i++) images.add(TestInputs.png(16 + i, 12 + 2 * i, i));
    Path probe = CascadeBundles.write(models.resolve("probe"), 1, 1e9, "gate", "unknown", "class");
    double[] gate = new double[ITEMS];
    double[] fusion = new double[ITEMS];
    List<ItemPrediction> probed = inProcess(probe);
    for (int i = 0; i < ITEMS; i++) {
      gate[i] = probed.get(i).gate().score();
      fusion[i] = probed.get(i).oodScore();
    }
    thresholds = CascadeBundles.thresholdsForEachReason(gate, fusion);
    Path written = CascadeBundles.write(models.resolve("tmp"), thresholds[0], thresholds[1],
        "gate", "unknown", "class");
    bundle = models.resolve("cascade/1");
    Files.createDirectories(bundle.getParent());
    Files.move(written, bundle);
    deleteTree(models.resolve("probe"));
    deleteTree(models.resolve("tmp"));
    TestInputs.installFixture("image", models, "plain", "1");
    server = CerberusServer.start(ServerSettings.from(Map.of(
        "cerberus.port", "0", "cerberus.models", models.toString())));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  @AfterAll
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdown();
  }

  private static void deleteTree(Path dir) throws Exception {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** The bundle loaded in process: what the wire must report. */
  private List<ItemPrediction> inProcess(Path dir) throws Exception {
    try (ServableModel m = ServableModel.load(dir, GraphOptions.defaults())) {
      List<PreparedInput> in = new ArrayList<>();
      for (byte[] png : images) in.add(m.prepare(new ModelInput.Image(png), InputLimits.defaults()));
      return m.forward(in);
    }
  }

  private ClassifierGrpc.ClassifierBlockingStub v1() {
    return ClassifierGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  private ClassifyRequest request(String model) {
    ClassifyRequest.Builder r = ClassifyRequest.newBuilder().setModel(model);
    for (int i = 0; i < ITEMS; i++) {
      r.addItems(Item.newBuilder().setId("i" + i).setImage(ByteString.copyFrom(images.get(i))));
    }
    return r.build();
  }

  private Reason expected(int i) {
    if (i == (int) thresholds[2]) return Reason.REASON_GATE;
    return i == (int) thresholds[3] ? Reason.REASON_THRESHOLD : Reason.REASON_CLASS;
  }

  @Test
  void everyResultSaysWhyWithTheGateAndTheFusionMembers() throws Exception {
    List<ItemPrediction> want = inProcess(bundle);
    var results = v1().classify(request("cascade")).getResultsList();
    List<Reason> reasons = new ArrayList<>();
    for (int i = 0; i < ITEMS; i++) {
      Prediction p = results.get(i).getPrediction();
      ItemPrediction w = want.get(i);
      assertThat(p.getReason()).as("item %d", i).isEqualTo(expected(i));
      reasons.add(p.getReason());
      assertThat(p.getUnknown()).isEqualTo(p.getReason() != Reason.REASON_CLASS);
      assertThat(p.getDecision()).isEqualTo(w.decision());
      assertThat(p.getGate().getHead()).isEqualTo(CascadeBundles.GATE_HEAD);
      assertThat(p.getGate().getScore()).isCloseTo(w.gate().score(), within(1e-6f));
      assertThat(p.getGate().getThreshold()).isEqualTo((float) thresholds[0]);
      assertThat(p.getGate().getRejected()).isEqualTo(p.getReason() == Reason.REASON_GATE);
      assertThat(p.getOodComponentsList()).extracting(ScoreComponent::getName)
          .containsExactly(CascadeBundles.MEMBERS);
      double sum = 0;
      for (int c = 0; c < 3; c++) {
        ScoreComponent got = p.getOodComponents(c);
        assertThat(got.getScore()).isCloseTo(w.components().get(c).score(), within(1e-5f));
        sum += got.getContribution();
      }
      assertThat(sum).as("the members' terms are the fused score").isCloseTo(p.getOodScore(), within(1e-4));
      assertThat(p.getHeadsList()).allSatisfy(h ->
          assertThat(h.getReason()).isEqualTo(Reason.REASON_UNSPECIFIED));
    }
    assertThat(reasons).contains(Reason.REASON_GATE, Reason.REASON_THRESHOLD, Reason.REASON_CLASS);
  }

  @Test
  void aModelWithoutADecisionSectionKeepsTodaysRuleAndSaysWhy() {
    for (var r : v1().classify(request("plain")).getResultsList()) {
      Prediction p = r.getPrediction();
      assertThat(p.hasGate()).isFalse();
      assertThat(p.getOodComponentsCount()).isZero(); // max_softmax: no members
      assertThat(p.getReason())
          .isEqualTo(p.getUnknown() ? Reason.REASON_THRESHOLD : Reason.REASON_CLASS);
    }
    ModelInfo plain = v1().getModel(GetModelRequest.newBuilder().setModel("plain").build());
    assertThat(plain.getDecision().getOrderList()).containsExactly("unknown", "class");
    assertThat(plain.getDecision().getGateHead()).isEmpty();
  }

  @Test
  void getModelReportsTheDecisionOrder() {
    ModelInfo info = v1().getModel(GetModelRequest.newBuilder().setModel("cascade").build());
    assertThat(info.getDecision().getOrderList()).containsExactly("gate", "unknown", "class");
    assertThat(info.getDecision().getGateHead()).isEqualTo(CascadeBundles.GATE_HEAD);
    assertThat(info.getDecision().getGateThreshold()).isEqualTo((float) thresholds[0]);
  }

  @Test
  void oipListsAndReturnsTheReasonAndMemberScoreTensors() throws Exception {
    var oip = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    var meta = oip.modelMetadata(ModelMetadataRequest.newBuilder().setName("cascade").build());
    assertThat(meta.getOutputsList()).extracting(TensorMetadata::getName).containsExactly(
        "facing", "has-stripe", "decision", "unknown", "ood_score", "reason", "energy_score",
        "mahalanobis_score", "knn_score");
    assertThat(meta.getOutputs(5).getDatatype()).isEqualTo("BYTES");
    assertThat(meta.getOutputs(6).getDatatype()).isEqualTo("FP32");
    List<ItemPrediction> want = inProcess(bundle);
    ModelInferRequest.Builder r = ModelInferRequest.newBuilder().setModelName("cascade");
    InferTensorContents.Builder bytes = InferTensorContents.newBuilder();
    images.forEach(png -> bytes.addBytesContents(ByteString.copyFrom(png)));
    r.addInputs(InferInputTensor.newBuilder().setName("input").setDatatype("BYTES")
        .addShape(ITEMS).setContents(bytes));
    ModelInferResponse resp = oip.modelInfer(r.build());
    InferOutputTensor reason = resp.getOutputs(5);
    InferOutputTensor knn = resp.getOutputs(8);
    assertThat(reason.getName()).isEqualTo("reason");
    assertThat(reason.getDatatype()).isEqualTo("BYTES");
    assertThat(knn.getName()).isEqualTo("knn_score");
    for (int i = 0; i < ITEMS; i++) {
      String text = reason.getContents().getBytesContents(i).toString(StandardCharsets.UTF_8);
      assertThat(text).isEqualTo(want.get(i).reason().wireName());
      assertThat(knn.getContents().getFp32Contents(i))
          .isCloseTo(want.get(i).components().get(2).score(), within(1e-5f));
    }
    // a request may ask for the why tensors alone
    r.addOutputsBuilder().setName("reason");
    r.addOutputsBuilder().setName("energy_score");
    ModelInferResponse only = oip.modelInfer(r.build());
    assertThat(only.getOutputsList()).extracting(InferOutputTensor::getName)
        .containsExactly("reason", "energy_score");
    for (int i = 0; i < ITEMS; i++) {
      assertThat(only.getOutputs(1).getContents().getFp32Contents(i))
          .isCloseTo(want.get(i).components().get(0).score(), within(1e-5f));
    }
  }
}
