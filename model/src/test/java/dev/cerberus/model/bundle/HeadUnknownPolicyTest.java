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
  void theWriterRoundTripsAHeadPolicy() throws Exception {
    Bundle b = BundleReader.read(flip(p -> p.put("method", "max_softmax").put("threshold", 0.4)));
    BundleManifest m = b.manifest();
    BundleJson.mapper().writeValue(b.dir().resolve("bundle.json").toFile(), m);
    String json = Files.readString(b.dir().resolve("bundle.json"));
    assertThat(json.split("\"unknown\"", -1)).hasSize(3); // top-level and has-stripe's
    assertThat(BundleReader.read(b.dir()).manifest().heads().get(1).unknown().threshold()).isEqualTo(0.4);
  }
}
