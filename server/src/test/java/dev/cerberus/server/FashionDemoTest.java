package dev.cerberus.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.cerberus.proto.v1.ClassifierGrpc;
import dev.cerberus.proto.v1.ClassifyRequest;
import dev.cerberus.proto.v1.ClassifyResponse;
import dev.cerberus.proto.v1.GetModelRequest;
import dev.cerberus.proto.v1.Item;
import dev.cerberus.proto.v1.ItemResult;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The built-in demo (models/fashion/1: MobileNetV2, head "category" over trouser, bag, sneaker,
 * dress, unknown by the trainer's fusion of Mahalanobis, k-NN and a gate head) served end to end,
 * when the bundle exists in this checkout.
 * Known classes should mostly be recognised, and classes the head never saw should more often
 * be called unknown than known ones.
 */
class FashionDemoTest {

  @Test
  void demoBundleAnswersKnownAndUnknownClasses() throws Exception {
    Path repo = Path.of(System.getProperty("cerberus.repo.root", ".."));
    Path bundle = repo.resolve("models/fashion/1/bundle.json");
    Path images = repo.resolve("examples/images/fashion");
    Assumptions.assumeTrue(Files.exists(bundle) && Files.isDirectory(images),
        "demo bundle not built in this checkout");
    try (CerberusServer server = CerberusServer.start(ServerSettings.from(Map.of(
        "cerberus.port", "0", "cerberus.models", repo.resolve("models").toString())))) {
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      try {
        var stub = ClassifierGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);
        var info = stub.getModel(GetModelRequest.newBuilder().setModel("fashion").build());
        assertThat(info.getHeads(0).getLabelsList())
            .containsExactly("trouser", "bag", "sneaker", "dress");
        int known = 0;
        int knownRight = 0;
        int knownUnknown = 0;
        int unseen = 0;
        int unseenUnknown = 0;
        for (String label : List.of("trouser", "bag", "sneaker", "dress", "coat", "sandal",
            "shirt", "ankle-boot", "pullover", "t-shirt-top")) {
          ClassifyRequest.Builder request = ClassifyRequest.newBuilder().setModel("fashion");
          try (Stream<Path> files = Files.list(images.resolve(label))) {
            for (Path f : files.sorted().toList()) {
              request.addItems(Item.newBuilder().setId(label + "/" + f.getFileName())
                  .setImage(ByteString.copyFrom(Files.readAllBytes(f))));
            }
          }
          ClassifyResponse r = stub.classify(request.build());
          boolean isKnown = info.getHeads(0).getLabelsList().contains(label);
          for (ItemResult item : r.getResultsList()) {
            assertThat(item.hasPrediction()).as(item.getId()).isTrue();
            String decision = item.getPrediction().getDecision();
            if (isKnown) {
              known++;
              knownRight += decision.equals(label) ? 1 : 0;
              knownUnknown += item.getPrediction().getUnknown() ? 1 : 0;
            } else {
              unseen++;
              unseenUnknown += item.getPrediction().getUnknown() ? 1 : 0;
            }
          }
        }
        assertThat(known).isPositive();
        assertThat(unseen).isPositive();
        assertThat((double) knownRight / known).as("known-class accuracy").isGreaterThan(0.5);
        assertThat((double) unseenUnknown / unseen).as("unknown rate on unseen classes")
            .isGreaterThan((double) knownUnknown / known);
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
