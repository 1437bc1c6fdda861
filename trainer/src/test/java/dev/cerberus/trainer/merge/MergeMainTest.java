package dev.cerberus.trainer.merge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cerberus.model.bundle.BundleReader;
import dev.cerberus.model.testing.FixtureBundles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI: exit 0 and a bundle, or exit 2 and one "error:" line, never a stack trace. */
class MergeMainTest {

  @TempDir Path tmp;

  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return MergeMain.run(args, new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private Path renamedText(String as) throws Exception {
    Path dir = FixtureBundles.copyTo(FixtureBundles.TEXT, tmp.resolve(as));
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = (ObjectNode) json.readTree(dir.resolve("bundle.json").toFile());
    root.get("heads").forEach(h -> ((ObjectNode) h).put("name", h.get("name").asText() + "2"));
    ((ObjectNode) root.get("unknown")).put("gate_head", "ood2");
    json.writeValue(dir.resolve("bundle.json").toFile(), root);
    return dir;
  }

  @Test
  void mergesIntoARepositoryFolderNamedAfterIt() throws Exception {
    Path a = FixtureBundles.copyTo(FixtureBundles.TEXT, tmp.resolve("a"));
    Path out = tmp.resolve("models/both/3");
    assertThat(run("--output", out.toString(), a.toString(), renamedText("b").toString())).isZero();
    var m = BundleReader.read(out).manifest();
    assertThat(m.name()).isEqualTo("both");
    assertThat(m.version()).isEqualTo("3");
    assertThat(err()).contains("merged 2 bundles (4 heads)");
  }

  @Test
  void badInputIsExitTwoWithOneErrorLine() throws Exception {
    Path a = FixtureBundles.copyTo(FixtureBundles.TEXT, tmp.resolve("a"));
    Path image = FixtureBundles.copyTo(FixtureBundles.IMAGE, tmp.resolve("i"));
    assertThat(run("--output", tmp.resolve("out").toString(), a.toString(), image.toString()))
        .isEqualTo(2);
    assertThat(err()).startsWith("error: cannot merge " + a + " and " + image + ": ")
        .contains("backbone.file sha256 differs").doesNotContain("Exception").doesNotContain("\tat ");
    assertThat(err().strip().lines()).hasSize(1);
  }

  @Test
  void aMissingBundleOrMissingOutputOptionIsExitTwo() throws Exception {
    Path a = FixtureBundles.copyTo(FixtureBundles.TEXT, tmp.resolve("a"));
    assertThat(run("--output", tmp.resolve("out").toString(), a.toString(),
        tmp.resolve("nope").toString())).isEqualTo(2);
    assertThat(err()).startsWith("error: ").contains("nope").contains("not a bundle folder");
    assertThat(run(a.toString(), a.toString())).isEqualTo(2);
  }
}
