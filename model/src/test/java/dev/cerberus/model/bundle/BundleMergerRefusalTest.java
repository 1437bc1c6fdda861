package dev.cerberus.model.bundle;

import static dev.cerberus.model.bundle.SourceBundles.Head.binary;
import static dev.cerberus.model.bundle.SourceBundles.Head.multiclass;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cerberus.model.testing.FixtureBundles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every refusal of a merge is one line naming both bundles, the field and both values. */
class BundleMergerRefusalTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final BundleMerger.Options OPTIONS = new BundleMerger.Options("m", "1", false);

  @TempDir Path tmp;

  private Path fixture(String name, String as) {
    return FixtureBundles.copyTo(name, tmp.resolve(as));
  }

  private static Path edit(Path bundle, Consumer<ObjectNode> change) throws Exception {
    ObjectNode root = (ObjectNode) JSON.readTree(bundle.resolve("bundle.json").toFile());
    change.accept(root);
    JSON.writeValue(bundle.resolve("bundle.json").toFile(), root);
    return bundle;
  }

  /** A fixture again with its heads renamed ("2" appended), so only the checked field differs. */
  private Path renamed(String name, String as) throws Exception {
    return edit(fixture(name, as), r -> {
      r.get("heads").forEach(h -> ((ObjectNode) h).put("name", h.get("name").asText() + "2"));
      ObjectNode u = (ObjectNode) r.get("unknown");
      for (String f : new String[] {"head", "gate_head"}) {
        if (u.has(f)) u.put(f, u.get(f).asText() + "2");
      }
    });
  }

  private Path otherText(String as) throws Exception {
    return renamed(FixtureBundles.TEXT, as);
  }

  private void assertRefused(Path a, Path b, String... parts) {
    Path out = tmp.resolve("out");
    var thrown = assertThatThrownBy(() -> BundleMerger.merge(List.of(a, b), out, OPTIONS))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining(a.toString()).hasMessageContaining(b.toString())
        .hasMessageNotContaining("\n");
    for (String p : parts) thrown.hasMessageContaining(p);
    assertThat(out).doesNotExist();
  }

  private Path splitSource(String name, String head) throws Exception {
    Path split = FixtureBundles.copyTo(FixtureBundles.SPLIT, tmp.resolve("fixture-" + name));
    return SourceBundles.at(tmp.resolve(name), 1)
        .split(split, split.resolve("top.pt"), List.of(multiclass(head, 2)),
            SourceBundles.policy("max_softmax", null)).dir();
  }

  @Test
  void differentTrunksNameBothHashes() throws Exception {
    Path a = splitSource("a", "x");
    Path b = splitSource("b", "y");
    Files.write(b.resolve("trunk.pt"), new byte[] {1}, StandardOpenOption.APPEND);
    assertRefused(a, b, "backbone.split.trunk sha256 differs",
        BundleWriter.sha256(a.resolve("trunk.pt")), BundleWriter.sha256(b.resolve("trunk.pt")));
  }

  @Test
  void differentWholeBackbonesAndLayouts() throws Exception {
    Path image = fixture(FixtureBundles.IMAGE, "i");
    Path text = otherText("t");
    assertRefused(image, text, "backbone.file sha256 differs",
        BundleWriter.sha256(image.resolve("backbone.pt")), BundleWriter.sha256(text.resolve("backbone.pt")));
    assertRefused(splitSource("s", "z"), image, "backbone differs (split vs file)");
  }

  @Test
  void differentPreprocessingOrFeatures() throws Exception {
    Path image = fixture(FixtureBundles.IMAGE, "i");
    Path flip = fixture(FixtureBundles.FLIP, "f");
    assertRefused(image, flip, "flip_features differs (false vs true)");
    Path tta = edit(renamed(FixtureBundles.IMAGE, "t"), r -> r.put("flip_tta", true));
    assertRefused(image, tta, "flip_tta differs (false vs true)");
    Path wide = edit(renamed(FixtureBundles.IMAGE, "w"),
        r -> ((ObjectNode) r.get("input").get("image")).put("width", 32));
    assertRefused(image, wide, "input.image.width differs (16 vs 32)");
    Path mean = edit(wide, r -> ((ObjectNode) r.get("input").get("image")).put("width", 16)
        .putArray("mean").add(0.5).add(0.4).add(0.2));
    assertRefused(image, mean, "input.image.mean differs ([0.5, 0.4, 0.3] vs [0.5, 0.4, 0.2])");
  }

  @Test
  void differentTokenizerOrTextSettings() throws Exception {
    Path text = fixture(FixtureBundles.TEXT, "t");
    Path tokenizer = otherText("t2");
    Files.writeString(tokenizer.resolve("tokenizer.json"), "\n", StandardOpenOption.APPEND);
    assertRefused(text, tokenizer, "input.text.tokenizer sha256 differs",
        BundleWriter.sha256(text.resolve("tokenizer.json")));
    Path shorter = edit(otherText("t3"), r -> ((ObjectNode) r.get("input").get("text"))
        .put("max_tokens", 12).putArray("buckets").add(8).add(12));
    assertRefused(text, shorter, "input.text.max_tokens differs (16 vs 12)");
  }

  @Test
  void duplicateHeadNames() throws Exception {
    assertRefused(fixture(FixtureBundles.IMAGE, "one"), fixture(FixtureBundles.IMAGE, "two"),
        "heads: both have a head named 'category'");
  }

  @Test
  void aTextMergeCarriesTheTokenizerAndTheGate() throws Exception {
    Bundle merged = BundleMerger.merge(List.of(fixture(FixtureBundles.TEXT, "t"), otherText("t2")),
        tmp.resolve("out"), OPTIONS);
    assertThat(merged.dir().resolve("tokenizer.json")).exists();
    assertThat(merged.manifest().heads().get(2).unknown().gateHead()).isEqualTo("ood2");
    assertThat(merged.manifest().heads().get(0).unknown().method()).isEqualTo("gate");
  }

  @Test
  void anExistingOutputNeedsForceAndIsReplacedWhole() throws Exception {
    Path a = fixture(FixtureBundles.TEXT, "t");
    Path b = otherText("t2");
    Path out = Files.createDirectories(tmp.resolve("out"));
    Files.writeString(out.resolve("old.txt"), "old");
    assertThatThrownBy(() -> BundleMerger.merge(List.of(a, b), out, OPTIONS))
        .hasMessageContaining(out.toString()).hasMessageContaining("exists; pass --force");
    assertThat(out.resolve("old.txt")).exists();
    BundleMerger.merge(List.of(a, b), out, new BundleMerger.Options("m", "2", true));
    assertThat(out.resolve("old.txt")).doesNotExist();
    assertThat(BundleReader.read(out).manifest().version()).isEqualTo("2");
    try (var names = Files.list(tmp)) {
      assertThat(names.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("t", "t2", "out");
    }
  }

  @Test
  void aFailureHalfwayLeavesNoOutputAndNoTemporaryFolder() throws Exception {
    Path a = splitSource("a", "x");
    // a decision head with its own policy that is also the top-level policy's decision head:
    // both cannot become its one policy (found while the heads are written)
    Path split = tmp.resolve("fixture-a/split");
    SourceBundles b = SourceBundles.at(tmp.resolve("b"), 2);
    Path bad = edit(b.split(split, split.resolve("top.pt"),
        List.of(binary("own").withOwnTop(split.resolve("heads/tuned/top.pt"))),
        SourceBundles.knn(b.bank("ood/bank.npy", 4, 8), 2)).dir(),
        r -> ((ObjectNode) r.get("heads").get(0)).putObject("unknown")
            .put("method", "max_softmax").put("threshold", 0.5));
    Path out = tmp.resolve("repo/m/1");
    assertThatThrownBy(() -> BundleMerger.merge(List.of(a, bad), out, OPTIONS))
        .hasMessageContaining(bad.toString()).hasMessageContaining("heads[0] (own)")
        .hasMessageContaining("only one can become its policy");
    assertThat(out).doesNotExist();
    try (var names = Files.list(out.getParent())) {
      assertThat(names).isEmpty();
    }
    assertThatThrownBy(() -> BundleMerger.merge(List.of(a), out, OPTIONS))
        .hasMessageContaining("at least two bundles");
  }

  @Test
  void aSourceWithAGateCascadeIsRefused() throws Exception {
    Path a = edit(fixture(FixtureBundles.FLIP, "a"), r -> {
      ObjectNode d = r.putObject("decision");
      d.putArray("order").add("gate").add("unknown").add("class");
      d.putObject("gate").put("head", "has-stripe");
    });
    Path b = renamed(FixtureBundles.FLIP, "b");
    Path out = tmp.resolve("out");
    assertThatThrownBy(() -> BundleMerger.merge(List.of(b, a), out, OPTIONS))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining(a.toString())
        .hasMessageContaining("decision.gate: a source's gate cascade cannot carry over")
        .hasMessageNotContaining("\n");
    assertThat(out).doesNotExist();
  }
}
