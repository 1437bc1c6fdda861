package dev.cerberus.trainer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cerberus.trainer.config.TrainerConfig.CachePrecision;
import dev.cerberus.trainer.config.TrainerConfig.TopMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-head top keys: heads[].top / heads[].fine_tune, text splits, the token cache. */
class OwnTopConfigTest {

  @TempDir Path dir;

  static final String TEXT_SPLIT = """
      name: demo
      output: out/1
      backbone:
        split: {trunk: trunk.pt, top: top.pt}
        fine_tune: {epochs: 3, learning_rate: 0.001}
        feature_size: 32
        cache_max_bytes: 1000000
      input: {kind: text, text: {tokenizer: tokenizer.json, max_tokens: 16}}
      data:
        train: [{jsonl: train.jsonl}]
      heads:
        - {name: topic, kind: multiclass, labels: [a, b], top: own}
        - {name: is-x, kind: binary, labels: [base, x], top: own, fine_tune: {epochs: 2}}
        - {name: plain, kind: binary, labels: [base, y]}
      """;

  @BeforeEach
  void files() throws IOException {
    for (String f : new String[] {"trunk.pt", "top.pt", "backbone.pt", "tokenizer.json", "train.jsonl"}) {
      Files.writeString(dir.resolve(f), "x");
    }
  }

  private Path write(String text) throws IOException {
    Path p = dir.resolve("c.yaml");
    Files.writeString(p, text);
    return p;
  }

  @Test
  void textSplitWithOwnTopsLoadsAndFineTuneFallsBackToTheBackbones() throws IOException {
    TrainerConfig c = ConfigLoader.load(write(TEXT_SPLIT)).config();
    assertThat(c.backbone().cacheMaxBytes()).isEqualTo(1_000_000L);
    assertThat(c.backbone().cachePrecision()).isEqualTo(CachePrecision.FP16);
    var heads = c.heads();
    assertThat(heads.get(0).top()).isEqualTo(TopMode.OWN);
    assertThat(heads.get(2).top()).isEqualTo(TopMode.SHARED);
    // topic has no fine_tune of its own: the backbone's
    assertThat(heads.get(0).fineTuneOr(c.backbone().fineTune()).epochs()).isEqualTo(3);
    assertThat(heads.get(0).fineTuneOr(c.backbone().fineTune()).learningRate()).isEqualTo(0.001);
    // is-x has its own: epochs 2, the rest are the record's defaults, not the backbone's
    var own = heads.get(1).fineTuneOr(c.backbone().fineTune());
    assertThat(own.epochs()).isEqualTo(2);
    assertThat(own.learningRate()).isEqualTo(1e-4);
    // neither: the defaults
    assertThat(heads.get(2).fineTuneOr(null).epochs()).isEqualTo(8);
  }

  @Test
  void ownTopOnAnUnsplitBackboneNamesTheHeadAndField() throws IOException {
    String unsplit = TEXT_SPLIT.replace("split: {trunk: trunk.pt, top: top.pt}", "file: backbone.pt")
        .replace("        fine_tune: {epochs: 3, learning_rate: 0.001}\n", "");
    assertThatThrownBy(() -> ConfigLoader.load(write(unsplit)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("c.yaml")
        .hasMessageContaining("heads[0].top: own needs backbone.split")
        .hasMessageContaining("heads[1].top: own needs backbone.split");
  }

  @Test
  void headFineTuneNeedsOwnTopAndValidValues() throws IOException {
    String bad = TEXT_SPLIT.replace("{name: plain, kind: binary, labels: [base, y]}",
        "{name: plain, kind: binary, labels: [base, y], fine_tune: {epochs: 0, learning_rate: -1}}");
    assertThatThrownBy(() -> ConfigLoader.load(write(bad)))
        .hasMessageContaining("heads[2].fine_tune: only for a head with top: own")
        .hasMessageContaining("heads[2].fine_tune.epochs and batch_size: must be >= 1")
        .hasMessageContaining("heads[2].fine_tune: learning rates must be > 0");
  }

  @Test
  void unknownTopModeAndPrecisionAndBadCacheBoundAreOneLineErrors() throws IOException {
    assertThatThrownBy(() -> ConfigLoader.load(write(TEXT_SPLIT.replace("top: own}", "top: mine}"))))
        .hasMessageContaining("c.yaml").hasMessageContaining("heads[0].top")
        .hasMessageContaining("mine");
    assertThatThrownBy(() -> ConfigLoader.load(write(TEXT_SPLIT.replace(
        "cache_max_bytes: 1000000", "cache_max_bytes: 1000000\n  cache_precision: fp8"))))
        .hasMessageContaining("backbone.cache_precision").hasMessageContaining("fp8");
    assertThatThrownBy(() -> ConfigLoader.load(write(TEXT_SPLIT.replace(
        "cache_max_bytes: 1000000", "cache_max_bytes: 0"))))
        .hasMessageContaining("backbone.cache_max_bytes: must be >= 1");
  }
}
