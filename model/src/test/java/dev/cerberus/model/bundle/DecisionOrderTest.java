package dev.cerberus.model.bundle;

import static dev.cerberus.model.bundle.DecisionStep.CLASS;
import static dev.cerberus.model.bundle.DecisionStep.GATE;
import static dev.cerberus.model.bundle.DecisionStep.UNKNOWN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cerberus.model.testing.FixtureBundles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code decision}: the declared order is read (default: today's rule), and a cascade naming
 * a step the bundle lacks, or leaving out one it has, is a one-line error naming file and field.
 * The flip fixture: heads facing (multiclass) and has-stripe (binary), top-level fusion.
 */
class DecisionOrderTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private Path flip(Consumer<ObjectNode> edit) throws Exception {
    Path dir = FixtureBundles.copyTo(FixtureBundles.FLIP, tmp);
    Path manifest = dir.resolve("bundle.json");
    ObjectNode root = (ObjectNode) JSON.readTree(manifest.toFile());
    edit.accept(root);
    JSON.writeValue(manifest.toFile(), root);
    return dir;
  }

  private static void cascade(ObjectNode root, String... order) {
    ObjectNode d = root.putObject("decision");
    var list = d.putArray("order");
    for (String s : order) list.add(s);
    d.putObject("gate").put("head", "has-stripe").put("threshold", 0.7);
  }

  private void assertRejected(Consumer<ObjectNode> edit, String field, String problem)
      throws Exception {
    Path dir = flip(edit);
    var thrown = assertThatThrownBy(() -> BundleReader.read(dir)).isInstanceOf(BundleException.class);
    thrown.hasMessageStartingWith(dir.resolve("bundle.json") + ": " + field + ": ");
    thrown.hasMessageContaining(problem);
    thrown.satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    Files.walk(dir).sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
  }

  @Test
  void withoutADecisionSectionTheUnknownPolicyThenTheClassHeadsDecide() throws Exception {
    Bundle b = BundleReader.read(flip(root -> {}));
    assertThat(b.decisionOrder()).containsExactly(UNKNOWN, CLASS);
    assertThat(b.manifest().decision().gate()).isNull();
  }

  @Test
  void aDeclaredCascadeIsRead() throws Exception {
    Bundle b = BundleReader.read(flip(root -> cascade(root, "gate", "unknown", "class")));
    assertThat(b.decisionOrder()).containsExactly(GATE, UNKNOWN, CLASS);
    assertThat(b.manifest().decision().gate().head()).isEqualTo("has-stripe");
    assertThat(b.manifest().decision().gate().thresholdOrDefault()).isEqualTo(0.7);
    // a gate without an order: gate first by default; threshold default 0.5
    Path dir = tmp.resolve("gate-only");
    Files.createDirectories(dir);
    Bundle g = BundleReader.read(FixtureBundles.copyTo(FixtureBundles.FLIP, dir));
    assertThat(g.decisionOrder()).containsExactly(UNKNOWN, CLASS);
    Path manifest = dir.resolve("flip/bundle.json");
    ObjectNode root = (ObjectNode) JSON.readTree(manifest.toFile());
    root.putObject("decision").putObject("gate").put("head", "has-stripe");
    JSON.writeValue(manifest.toFile(), root);
    Bundle d = BundleReader.read(dir.resolve("flip"));
    assertThat(d.decisionOrder()).containsExactly(GATE, UNKNOWN, CLASS);
    assertThat(d.manifest().decision().gate().thresholdOrDefault()).isEqualTo(0.5);
  }

  @Test
  void aCascadeNamingAMissingGateIsRefused() throws Exception {
    assertRejected(root -> root.putObject("decision").putArray("order").add("gate").add("unknown")
        .add("class"), "decision.gate", "is missing but decision.order names step 'gate'");
    assertRejected(root -> {
      cascade(root, "gate", "unknown", "class");
      ((ObjectNode) root.get("decision").get("gate")).put("head", "is-bag");
    }, "decision.gate.head", "names no head ('is-bag')");
    assertRejected(root -> {
      cascade(root, "gate", "unknown", "class");
      ((ObjectNode) root.get("decision").get("gate")).remove("head");
    }, "decision.gate.head", "is required");
    assertRejected(root -> {
      cascade(root, "gate", "unknown", "class");
      ((ObjectNode) root.get("decision").get("gate")).put("head", "facing");
    }, "decision.gate.head", "'facing' must be a binary head");
    assertRejected(root -> {
      cascade(root, "gate", "unknown", "class");
      ((ObjectNode) root.get("unknown")).put("head", "has-stripe");
    }, "decision.gate.head", "is also the decision head");
    assertRejected(root -> {
      cascade(root, "gate", "unknown", "class");
      ((ObjectNode) root.get("decision").get("gate")).put("threshold", 1.5);
    }, "decision.gate.threshold", "must be in [0, 1]");
  }

  @Test
  void aCascadeNamingAMissingUnknownStepIsRefused() throws Exception {
    assertRejected(root -> {
      root.putObject("unknown").put("method", "none");
      cascade(root, "gate", "unknown", "class");
    }, "decision.order", "names step 'unknown' but the bundle has no unknown policy");
    // and the converse: a calibrated policy no step reads
    assertRejected(root -> cascade(root, "gate", "class"),
        "decision.order", "has no 'unknown' step but the bundle has an unknown policy");
  }

  @Test
  void aMalformedOrderIsRefused() throws Exception {
    assertRejected(root -> cascade(root, "gate", "threshold", "class"),
        "decision.order", "'threshold' is not a step (allowed: gate, unknown, class)");
    assertRejected(root -> cascade(root, "gate", "unknown", "gate", "class"),
        "decision.order", "names 'gate' more than once");
    assertRejected(root -> cascade(root, "class", "gate", "unknown"),
        "decision.order", "must end with 'class'");
    assertRejected(root -> cascade(root), "decision.order", "must end with 'class'");
    assertRejected(root -> {
      cascade(root, "unknown", "class");
    }, "decision.gate", "is set but decision.order [unknown, class] has no 'gate' step");
  }
}
