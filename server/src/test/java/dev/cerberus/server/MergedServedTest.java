package dev.cerberus.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.cerberus.model.GraphOptions;
import dev.cerberus.model.ItemPrediction;
import dev.cerberus.model.ServableModel;
import dev.cerberus.model.bundle.Bundle;
import dev.cerberus.model.bundle.BundleMerger;
import dev.cerberus.model.bundle.BundleWriter;
import dev.cerberus.model.bundle.PolicyFeatures;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.model.input.ModelInput;
import dev.cerberus.model.input.PreparedInput;
import dev.cerberus.proto.v1.ClassifierGrpc;
import dev.cerberus.proto.v1.ClassifyRequest;
import dev.cerberus.proto.v1.HeadPrediction;
import dev.cerberus.proto.v1.Item;
import dev.cerberus.proto.v1.Prediction;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A merged bundle of two own-top sources served next to its sources over real gRPC: each
 * source's decision head has its own top and a top-level feature policy (knn, mahalanobis)
 * fitted on its shared top. Source b's shared top is another file than a's (the merged shared
 * top), so its policy reads a copied top that no head reads. Every head answers as in its
 * source: the same probabilities, and its own verdict and ood_score equal to the source's
 * item-level ones.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MergedServedTest {

  static final int ITEMS = 8;
  static final ObjectMapper JSON = new ObjectMapper();

  Path models;
  Bundle merged;
  CerberusServer server;
  ManagedChannel channel;
  List<byte[]> images = new ArrayList<>();

  @BeforeAll
  void start() throws Exception {
    models = Files.createTempDirectory("cerberus-merged");
    for (int i = 0; i < ITEMS; i++) images.add(TestInputs.png(16 + i, 12 + 3 * i, 40 + i));
    Path a = source("a", "top.pt", "heads/tuned/top.pt", knn());
    Path b = source("b", "heads/tuned/top.pt", "top.pt", mahalanobis());
    merged = BundleMerger.merge(List.of(a, b), models.resolve("merged/1"),
        new BundleMerger.Options("merged", "1", false));
    server = CerberusServer.start(ServerSettings.from(Map.of(
        "cerberus.port", "0", "cerberus.models", models.toString())));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  @AfterAll
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdown();
  }

  /**
   * The split fixture as model {@code name}: only its binary head, renamed {@code name}, with
   * {@code headTop} as its own top, {@code sharedTop} as the shared top and {@code policy} as
   * the top-level policy, its threshold set between the 4th and 5th item's score.
   */
  private Path source(String name, String sharedTop, String headTop, ObjectNode policy)
      throws Exception {
    Path dir = TestInputs.installFixture("split", models, name, "1");
    ObjectNode root = (ObjectNode) JSON.readTree(dir.resolve("bundle.json").toFile());
    ((ObjectNode) root.get("backbone").get("split")).put("top", sharedTop);
    ObjectNode head = (ObjectNode) root.get("heads").get(1);
    head.put("name", name).put("top", headTop);
    ArrayNode heads = root.putArray("heads");
    heads.add(head);
    root.set("unknown", policy.put("head", name).put("threshold", 0.0));
    statistics(dir, policy);
    JSON.writeValue(dir.resolve("bundle.json").toFile(), root);
    double[] s = inProcess(dir).stream().mapToDouble(ItemPrediction::oodScore).sorted().toArray();
    policy.put("threshold", (s[ITEMS / 2 - 1] + s[ITEMS / 2]) / 2);
    JSON.writeValue(dir.resolve("bundle.json").toFile(), root);
    return dir;
  }

  private static ObjectNode knn() {
    return JSON.createObjectNode().put("method", "knn").put("bank", "ood/bank.npy").put("k", 2);
  }

  private static ObjectNode mahalanobis() {
    return JSON.createObjectNode().put("method", "mahalanobis")
        .put("means", "ood/means.npy").put("precision", "ood/precision.npy");
  }

  /** Random statistics of the policy's method, 8 features wide (the fixture's width). */
  private static void statistics(Path dir, ObjectNode policy) throws Exception {
    Random r = new Random(dir.toString().length());
    BundleWriter w = BundleWriter.create(dir);
    if (policy.has("bank")) {
      float[] bank = new float[6 * 8];
      for (int i = 0; i < 6; i++) {
        double n = 0;
        for (int j = 0; j < 8; j++) n += Math.pow(bank[i * 8 + j] = (float) r.nextGaussian(), 2);
        for (int j = 0; j < 8; j++) bank[i * 8 + j] /= (float) Math.sqrt(n);
      }
      w.writeArray("ood/bank.npy", new int[] {6, 8}, bank);
    } else {
      float[] means = new float[2 * 8];
      for (int i = 0; i < means.length; i++) means[i] = (float) r.nextGaussian();
      float[] precision = new float[64];
      for (int i = 0; i < 8; i++) precision[i * 9] = 0.5f;
      w.writeArray("ood/means.npy", new int[] {2, 8}, means);
      w.writeArray("ood/precision.npy", new int[] {8, 8}, precision);
    }
  }

  private List<ItemPrediction> inProcess(Path bundle) throws Exception {
    try (ServableModel m = ServableModel.load(bundle, GraphOptions.defaults())) {
      List<PreparedInput> in = new ArrayList<>();
      for (byte[] png : images) in.add(m.prepare(new ModelInput.Image(png), InputLimits.defaults()));
      return m.forward(in);
    }
  }

  private List<Prediction> classify(String model) {
    ClassifyRequest.Builder r = ClassifyRequest.newBuilder().setModel(model);
    for (int i = 0; i < ITEMS; i++) {
      r.addItems(Item.newBuilder().setId("i" + i).setImage(ByteString.copyFrom(images.get(i))));
    }
    return ClassifierGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
        .classify(r.build()).getResultsList().stream().map(x -> x.getPrediction()).toList();
  }

  private static HeadPrediction head(Prediction p, String name) {
    return p.getHeadsList().stream().filter(h -> h.getHead().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void theMergedPoliciesReadTheSharedFeaturesTheyWereFittedOn() {
    var heads = merged.manifest().heads();
    String copy = heads.get(0).top();
    assertThat(copy).startsWith("tops/");
    assertThat(heads.get(0).unknown().features()).isEqualTo(PolicyFeatures.SHARED);
    assertThat(heads.get(1).top()).isNull(); // b's own top is the merged shared top
    assertThat(heads.get(1).unknown().features()).isEqualTo(new PolicyFeatures.TopFile(copy));
  }

  @Test
  void everyHeadAnswersAndDecidesAsInItsSource() {
    List<Prediction> got = classify("merged");
    for (String source : List.of("a", "b")) {
      List<Prediction> want = classify(source);
      int unknown = 0;
      for (int i = 0; i < ITEMS; i++) {
        HeadPrediction m = head(got.get(i), source);
        HeadPrediction s = head(want.get(i), source);
        for (int k = 0; k < s.getProbabilitiesCount(); k++) {
          assertThat(m.getProbabilities(k).getProbability()).as("%s item %d", source, i)
              .isCloseTo(s.getProbabilities(k).getProbability(), within(1e-5f));
        }
        assertThat(m.getOwnUnknown().getUnknown()).as("%s unknown, item %d", source, i)
            .isEqualTo(want.get(i).getUnknown());
        float score = want.get(i).getOodScore();
        assertThat(m.getOwnUnknown().getOodScore()).as("%s score, item %d", source, i)
            .isCloseTo(score, within(1e-5f * Math.max(1, Math.abs(score))));
        assertThat(m.getOwnUnknown().getOodMethod()).isEqualTo(want.get(i).getOodMethod());
        if (want.get(i).getUnknown()) unknown++;
      }
      assertThat(unknown).as("%s: items on both sides of its threshold", source).isBetween(1, ITEMS - 1);
    }
    for (Prediction p : got) { // merged: "none of these" when neither head accepts
      assertThat(p.getUnknown()).isEqualTo(p.getAcceptedHeadsList().isEmpty());
    }
  }
}
