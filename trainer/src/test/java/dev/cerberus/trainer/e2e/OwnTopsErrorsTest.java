package dev.cerberus.trainer.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cerberus.model.testing.FixtureBundles;
import dev.cerberus.trainer.TrainerMain;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Bad per-head top configs through the CLI: one line on stderr naming the file and the field,
 * exit code 2, no stack trace, and no bundle folder (not even a half-written one).
 */
class OwnTopsErrorsTest {

  @TempDir Path dir;

  record Outcome(int code, String err) {}

  Outcome train(String yaml) throws Exception {
    TextRunFixture.write(dir);
    Path cfg = dir.resolve("bad.yaml");
    Files.writeString(cfg, yaml);
    PrintStream before = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true));
    try {
      int code = new CommandLine(new TrainerMain()).execute(cfg.toString());
      return new Outcome(code, err.toString());
    } finally {
      System.setErr(before);
    }
  }

  static String errorLine(String err) {
    return err.lines().filter(l -> l.startsWith("error:")).findFirst().orElse("(no error line)");
  }

  @Test
  void ownTopOnAnUnsplitBackboneIsAConfigError() throws Exception {
    String yaml = TextRunFixture.config("a", "fp32", "knn", "topic").replace(
        "split: {trunk: fixture/trunk.pt, top: fixture/top.pt}", "file: fixture/trunk.pt");
    Outcome o = train(yaml);
    assertThat(o.code()).isEqualTo(2);
    // the loader lists every config error, one per line, after the file's name
    assertThat(errorLine(o.err())).contains("bad.yaml");
    assertThat(o.err()).contains("  - heads[1].top: own needs backbone.split")
        .contains("  - heads[2].top: own needs backbone.split");
    assertThat(o.err()).doesNotContain("\tat ").doesNotContain("Exception");
    assertThat(dir.resolve("out")).doesNotExist();
  }

  @Test
  void aTopThatDoesNotFitTheTrunkIsOneLineNamingFileAndField() throws Exception {
    FixtureBundles.copyTo(FixtureBundles.SPLIT, dir.resolve("image"));
    // an image top (expects [B,C,h,w]) behind the text trunk (gives [B,T,F] + a mask)
    String yaml = TextRunFixture.config("a", "fp32", "knn", "topic")
        .replace("top: fixture/top.pt}", "top: image/split/top.pt}");
    Outcome o = train(yaml);
    assertThat(o.code()).isEqualTo(2);
    String line = errorLine(o.err());
    System.out.println("bad top: " + line);
    assertThat(line).contains("image/split/top.pt").contains("backbone.split.top");
    assertThat(o.err()).doesNotContain("\tat ");
    assertThat(dir.resolve("out")).doesNotExist();
  }

  @Test
  void aTextSplitNeedsMeanPoolingOfTokenStates() throws Exception {
    // the tops are fitted on mean-pooled states: cls pooling would serve other features
    Outcome o = train(TextRunFixture.config("a", "fp32", "knn", "topic")
        .replace("pooling: mean", "pooling: cls"));
    assertThat(o.code()).isEqualTo(2);
    assertThat(errorLine(o.err())).contains("bad.yaml").contains("input.text.pooling")
        .contains("allowed: mean");
    assertThat(dir.resolve("out")).doesNotExist();
  }
}
