package dev.cerberus.model.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cerberus.model.testing.FixtureBundles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code heads[].unknown}: read, validated like the top-level policy, errors name the head. */
class HeadUnknownPolicyTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private Path flip(Consumer<ObjectNode> stripeHeadPolicy) throws Exception {
    Path dir = FixtureBundles.copyTo(FixtureBundles.FLIP, tmp);
    Path manifest = dir.resolve("bundle.json");
    ObjectNode root = (ObjectNode) JSON.readTree(manifest.toFile());
    ObjectNode policy = ((ObjectNode) root.get("heads").get(1)).putObject("unknown");
    stripeHeadPolicy.accept(policy);
    JSON.writeValue(manifest.toFile(), root);
    return dir;
  }

  private void assertRejected(Consumer<ObjectNode> policy, String... parts) throws Exception {
    Path dir = flip(policy);
    var thrown = assertThatThrownBy(() -> BundleReader.read(dir)).isInstanceOf(BundleException.class);
    thrown.hasMessageContaining(dir.resolve("bundle.json").toString());
    for (String p : parts) thrown.hasMessageContaining(p);
    Files.walk(dir).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
  }

  @Test
  void aHeadPolicyIsReadWithItsStatistics() throws Exception {
    Bundle b = BundleReader.read(flip(p -> p.put("method", "knn").put("threshold", 0.25)
        .put("calibrated_tpr", 0.9).put("bank", "ood/bank.npy").put("k", 2)));
    var head = b.manifest().heads().get(1);
    assertThat(head.hasOwnPolicy()).isTrue();
    assertThat(head.unknown().method()).isEqualTo("knn");
    assertThat(head.unknown().threshold()).isEqualTo(0.25);
    assertThat(head.unknown().kOrDefault()).isEqualTo(2);
    assertThat(b.manifest().heads().get(0).hasOwnPolicy()).isFalse();
    assertThat(b.oodArrays()).containsKey("ood/bank.npy");
    // the top-level policy is untouched
    assertThat(b.manifest().unknown().method()).isEqualTo("fusion");
  }

  @Test
  void everyRuleOfTheTopLevelPolicyAppliesAndNamesTheHead() throws Exception {
    String at = "heads[1] (has-stripe).unknown";
    assertRejected(p -> p.put("method", "max_softmax"), at + ".threshold", "is required for method max_softmax");
    assertRejected(p -> p.put("method", "entropy").put("threshold", 1), at + ".method", "'entropy' is unknown");
    assertRejected(p -> p.put("method", "knn").put("threshold", 1).put("bank", "ood/nope.npy"),
        at + ".bank", "does not exist");
    assertRejected(p -> p.put("method", "knn").put("threshold", 1).put("bank", "ood/bank.npy").put("k", 999),
        at + ".k", "must be in [1,");
    assertRejected(p -> p.put("method", "mahalanobis").put("threshold", 1).put("means", "ood/means.npy")
        .put("precision", "ood/means.npy"), at + ".precision", "expected [16, 16]");
    assertRejected(p -> p.put("method", "gate").put("threshold", 0.5).put("gate_head", "facing"),
        at + ".gate_head", "must be a binary head");
    assertRejected(p -> p.put("method", "energy").put("threshold", 1).put("head", "facing"),
        at + ".head", "must be absent or 'has-stripe'");
    assertRejected(p -> p.put("method", "fusion").put("threshold", 1).putArray("scores")
        .addObject().put("method", "knn").put("bank", "ood/bank.npy").put("weight", 1).put("mean", 0),
        at + ".scores[0].std", "is required");
  }

  @Test
  void featuresNameWhatAFeaturePolicyScoresAndAreCheckedWithTheHeadAndField() throws Exception {
    Bundle b = BundleReader.read(flip(p -> p.put("method", "knn").put("threshold", 0.25)
        .put("bank", "ood/bank.npy").put("k", 2).put("features", "shared")));
    assertThat(b.manifest().heads().get(1).unknown().features()).isEqualTo(PolicyFeatures.SHARED);
    BundleJson.mapper().writeValue(b.dir().resolve("bundle.json").toFile(), b.manifest());
    assertThat(Files.readString(b.dir().resolve("bundle.json"))).contains("\"features\" : \"shared\"");
    assertThat(BundleReader.read(b.dir()).manifest().heads().get(1).unknown().featuresOrDefault())
        .isEqualTo(PolicyFeatures.SHARED);
    Files.walk(b.dir()).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());

    String at = "heads[1] (has-stripe).unknown.features";
    assertRejected(p -> p.put("method", "knn").put("threshold", 1).put("bank", "ood/bank.npy")
        .put("k", 2).put("features", "theirs"), "heads[1].unknown.features", "'theirs' is unknown",
        "allowed: \"own\", \"shared\" or {\"top\": FILE}");
    assertRejected(p -> p.put("method", "knn").put("threshold", 1).put("bank", "ood/bank.npy")
        .put("k", 2).putObject("features").put("top", "backbone.pt"), at,
        "a top file needs a split backbone");
    assertRejected(p -> p.put("method", "energy").put("threshold", 1).put("features", "shared"),
        at, "method energy reads no features");
    assertRejected(p -> p.put("method", "fusion").put("threshold", 1).putArray("scores")
        .addObject().put("method", "knn").put("bank", "ood/bank.npy").put("k", 2).put("weight", 1)
        .put("mean", 0).put("std", 1).put("features", "shared"),
        "heads[1] (has-stripe).unknown.scores[0].features", "not on a fusion member");
  }

  @Test
  void aTopFileMustExistAndTheTopLevelPolicyNamesNoFeatures() throws Exception {
    Path dir = FixtureBundles.copyTo(FixtureBundles.SPLIT, tmp);
    Path manifest = dir.resolve("bundle.json");
    ObjectNode root = (ObjectNode) JSON.readTree(manifest.toFile());
    ((ObjectNode) root.get("heads").get(1)).putObject("unknown").put("method", "knn")
        .put("threshold", 1).put("bank", "heads/shared/0.weight.npy").put("k", 1)
        .putObject("features").put("top", "tops/missing.pt");
    JSON.writeValue(manifest.toFile(), root);
    assertThatThrownBy(() -> BundleReader.read(dir)).hasMessageContaining(
        "heads[1] (tuned).unknown.features.top: file 'tops/missing.pt' does not exist");
    ((ObjectNode) root.get("heads").get(1).get("unknown").get("features")).put("top", "top.pt");
    JSON.writeValue(manifest.toFile(), root);
    assertThat(BundleReader.read(dir).manifest().heads().get(1).unknown().features())
        .isEqualTo(new PolicyFeatures.TopFile("top.pt"));
    ((ObjectNode) root.get("unknown")).put("features", "shared");
    JSON.writeValue(manifest.toFile(), root);
    assertThatThrownBy(() -> BundleReader.read(dir)).hasMessageContaining(
        "unknown.features: only a head's own policy names its features").hasMessageNotContaining("\n");
  }

  @Test
  void theWriterRoundTripsAHeadPolicy() throws Exception {
    Bundle b = BundleReader.read(flip(p -> p.put("method", "max_softmax").put("threshold", 0.4)));
    BundleManifest m = b.manifest();
    BundleJson.mapper().writeValue(b.dir().resolve("bundle.json").toFile(), m);
    String json = Files.readString(b.dir().resolve("bundle.json"));
    assertThat(json.split("\"unknown\"", -1)).hasSize(3); // top-level and has-stripe's
    assertThat(BundleReader.read(b.dir()).manifest().heads().get(1).unknown().threshold()).isEqualTo(0.4);
  }
}
