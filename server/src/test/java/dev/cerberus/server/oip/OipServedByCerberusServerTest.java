package dev.cerberus.server.oip;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cerberus.proto.oip.GRPCInferenceServiceGrpc;
import dev.cerberus.proto.oip.InferTensorContents;
import dev.cerberus.proto.oip.ModelInferRequest;
import dev.cerberus.proto.oip.ModelInferRequest.InferInputTensor;
import dev.cerberus.proto.oip.ModelInferResponse;
import dev.cerberus.proto.oip.ServerMetadataRequest;
import dev.cerberus.proto.v1.ClassifierGrpc;
import dev.cerberus.proto.v1.ClassifyRequest;
import dev.cerberus.proto.v1.ClassifyResponse;
import dev.cerberus.proto.v1.Item;
import dev.cerberus.proto.v1.Tensor;
import dev.cerberus.server.CerberusServer;
import dev.cerberus.server.ServerSettings;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The real server exposes the OIP next to cerberus.v1, and both give the same answer. */
class OipServedByCerberusServerTest {

  @Test
  void oipAndClassifyAgreeOnTheSameServer() throws Exception {
    Path models = Path.of(OipServedByCerberusServerTest.class.getResource("/oip").toURI());
    ServerSettings settings =
        ServerSettings.from(Map.of("cerberus.port", "0", "cerberus.models", models.toString()));
    try (CerberusServer server = CerberusServer.start(settings)) {
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      try {
        var oip = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
        assertThat(oip.serverMetadata(ServerMetadataRequest.getDefaultInstance()).getName())
            .isEqualTo("cerberus");
        List<Float> values = List.of(1f, -2f, 0.5f, 3f);
        ModelInferResponse viaOip =
            oip.modelInfer(
                ModelInferRequest.newBuilder()
                    .setModelName("vectors")
                    .addInputs(InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
                        .addShape(1).addShape(4)
                        .setContents(InferTensorContents.newBuilder().addAllFp32Contents(values)))
                    .build());
        ClassifyResponse viaV1 =
            ClassifierGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
                .classify(ClassifyRequest.newBuilder().setModel("vectors")
                    .addItems(Item.newBuilder().setId("a")
                        .setTensor(Tensor.newBuilder().addShape(4).addAllValues(values)))
                    .build());
        var prediction = viaV1.getResults(0).getPrediction();
        String decision = viaOip.getOutputsList().stream()
            .filter(t -> t.getName().equals("decision")).findFirst().orElseThrow()
            .getContents().getBytesContents(0).toStringUtf8();
        assertThat(decision).isEqualTo(prediction.getDecision());
        List<Float> color = viaOip.getOutputs(0).getContents().getFp32ContentsList();
        for (int k = 0; k < 3; k++) {
          assertThat(color.get(k)).isEqualTo(prediction.getHeads(0).getProbabilities(k).getProbability());
        }
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
