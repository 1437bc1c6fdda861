package dev.cerberus.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.cerberus.model.GraphOptions;
import dev.cerberus.model.ItemPrediction;
import dev.cerberus.model.ServableModel;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.model.input.ModelInput;
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
import dev.cerberus.proto.v1.HeadInfo;
import dev.cerberus.proto.v1.HeadPrediction;
import dev.cerberus.proto.v1.Item;
import dev.cerberus.proto.v1.ListModelsRequest;
import dev.cerberus.proto.v1.ModelInfo;
import dev.cerberus.proto.v1.Prediction;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
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
 * Per-head unknown policies served over real gRPC on loopback: cerberus.v1 results, GetModel,
 * ListModels and the OIP outputs all report what the model computes in process.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HeadUnknownServedTest {

  static final int ITEMS = 6;

  Path models;
  Path bundle;
  CerberusServer server;
  ManagedChannel channel;
  List<byte[]> images = new ArrayList<>();

  @BeforeAll
  void start() throws Exception {
    models = Files.createTempDirectory("cerberus-head-unknown");
    bundle = TestInputs.installFixture("image", models, "perhead", "1");
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = (ObjectNode) json.readTree(bundle.resolve("bundle.json").toFile());
    ((ObjectNode) root.get("heads").get(1)).putObject("unknown")
        .put("method", "max_softmax").put("threshold", 0.3).put("calibrated_tpr", 0.9);
    ((ObjectNode) root.get("heads").get(2)).putObject("unknown")
        .put("method", "energy").put("threshold", -1.2);
    json.writeValue(bundle.resolve("bundle.json").toFile(), root);
    for (int i = 0; i < ITEMS; i++) images.add(TestInputs.png(16 + i, 12 + 2 * i, i));
    server = CerberusServer.start(ServerSettings.from(Map.of(
        "cerberus.port", "0", "cerberus.models", models.toString())));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  @AfterAll
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdown();
  }

  private ClassifierGrpc.ClassifierBlockingStub v1() {
    return ClassifierGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  /** The same bundle loaded in process: what the wire must report. */
  private List<ItemPrediction> inProcess() throws Exception {
    try (ServableModel m = ServableModel.load(bundle, GraphOptions.defaults())) {
      List<dev.cerberus.model.input.PreparedInput> in = new ArrayList<>();
      for (byte[] png : images) in.add(m.prepare(new ModelInput.Image(png), InputLimits.defaults()));
      return m.forward(in);
    }
  }

  private ClassifyRequest request(String... heads) {
    ClassifyRequest.Builder r = ClassifyRequest.newBuilder().setModel("perhead").addAllHeads(List.of(heads));
    for (int i = 0; i < ITEMS; i++) {
      r.addItems(Item.newBuilder().setId("i" + i).setImage(ByteString.copyFrom(images.get(i))));
    }
    return r.build();
  }

  @Test
  void classifyReportsEveryHeadsOwnVerdictAndTheAcceptedHeads() throws Exception {
    List<ItemPrediction> want = inProcess();
    var results = v1().classify(request()).getResultsList();
    int unknownHeadVerdicts = 0;
    for (int i = 0; i < ITEMS; i++) {
      Prediction p = results.get(i).getPrediction();
      ItemPrediction w = want.get(i);
      assertThat(p.getHeads(0).hasOwnUnknown()).isFalse();
      for (int h = 1; h < 3; h++) {
        HeadPrediction hp = p.getHeads(h);
        var own = w.heads().get(h).ownUnknown();
        assertThat(hp.hasOwnUnknown()).isTrue();
        assertThat(hp.getOwnUnknown().getUnknown()).isEqualTo(own.unknown());
        assertThat(hp.getOwnUnknown().getOodScore()).isCloseTo(own.oodScore(), within(1e-6f));
        assertThat(hp.getOwnUnknown().getOodMethod()).isEqualTo(h == 1 ? "max_softmax" : "energy");
        assertThat(hp.getOwnUnknown().getThreshold()).isEqualTo(h == 1 ? 0.3f : -1.2f);
        if (own.unknown()) unknownHeadVerdicts++;
      }
      assertThat(p.getAcceptedHeadsList()).isEqualTo(w.acceptedHeads());
      assertThat(p.getUnknown()).isEqualTo(w.unknown());
      assertThat(p.getDecision()).isEqualTo(w.decision());
      assertThat(p.getOodMethod()).isEqualTo("max_softmax");
    }
    assertThat(unknownHeadVerdicts).as("the thresholds split the verdicts").isBetween(1, 2 * ITEMS - 1);
    // a head filter trims the reported heads, not the overall verdict or the accepted heads
    var filtered = v1().classify(request("category")).getResults(0).getPrediction();
    assertThat(filtered.getHeadsCount()).isEqualTo(1);
    assertThat(filtered.getAcceptedHeadsList()).isEqualTo(want.get(0).acceptedHeads());
  }

  @Test
  void getModelAndListModelsReportThePerHeadPolicies() {
    ModelInfo info = v1().getModel(GetModelRequest.newBuilder().setModel("perhead").build());
    assertThat(info.getHeads(0).hasUnknownPolicy()).isFalse();
    HeadInfo bright = info.getHeads(1);
    assertThat(bright.getUnknownPolicy().getMethod()).isEqualTo("max_softmax");
    assertThat(bright.getUnknownPolicy().getDecisionHead()).isEqualTo("is-bright");
    assertThat(bright.getUnknownPolicy().getThreshold()).isEqualTo(0.3f);
    assertThat(bright.getUnknownPolicy().getCalibratedTpr()).isEqualTo(0.9f);
    assertThat(info.getHeads(2).getUnknownPolicy().getMethod()).isEqualTo("energy");
    assertThat(info.getUnknownPolicy().getDecisionHead()).isEqualTo("category");
    var summary = v1().listModels(ListModelsRequest.getDefaultInstance()).getModels(0);
    assertThat(summary.getUnknownPolicyHeadsList()).containsExactly("is-bright", "texture");
  }

  @Test
  void oipExposesPerHeadUnknownAndScoreTensors() throws Exception {
    var oip = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    var meta = oip.modelMetadata(ModelMetadataRequest.newBuilder().setName("perhead").build());
    assertThat(meta.getOutputsList()).extracting(TensorMetadata::getName).containsExactly(
        "category", "is-bright", "texture", "is-bright_unknown", "is-bright_ood_score",
        "texture_unknown", "texture_ood_score", "decision", "unknown", "ood_score", "reason",
        "is-bright_reason", "texture_reason");
    assertThat(meta.getOutputs(3).getDatatype()).isEqualTo("BOOL");
    assertThat(meta.getOutputs(4).getDatatype()).isEqualTo("FP32");
    ModelInferRequest.Builder r = ModelInferRequest.newBuilder().setModelName("perhead");
    InferTensorContents.Builder bytes = InferTensorContents.newBuilder();
    images.forEach(png -> bytes.addBytesContents(ByteString.copyFrom(png)));
    r.addInputs(InferInputTensor.newBuilder().setName("input").setDatatype("BYTES")
        .addShape(ITEMS).setContents(bytes));
    r.addOutputsBuilder().setName("texture_ood_score");
    r.addOutputsBuilder().setName("texture_unknown");
    ModelInferResponse resp = oip.modelInfer(r.build());
    List<ItemPrediction> want = inProcess();
    InferOutputTensor scores = resp.getOutputs(0);
    InferOutputTensor unknown = resp.getOutputs(1);
    assertThat(scores.getName()).isEqualTo("texture_ood_score");
    assertThat(unknown.getDatatype()).isEqualTo("BOOL");
    for (int i = 0; i < ITEMS; i++) {
      var own = want.get(i).heads().get(2).ownUnknown();
      assertThat(scores.getContents().getFp32Contents(i)).isCloseTo(own.oodScore(), within(1e-6f));
      assertThat(unknown.getContents().getBoolContents(i)).isEqualTo(own.unknown());
    }
  }
}
