package dev.cerberus.trainer.stage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cerberus.model.bundle.Bundle;
import dev.cerberus.model.bundle.BundleReader;
import dev.cerberus.model.heads.HeadMath;
import dev.cerberus.trainer.features.FeatureCache;
import dev.cerberus.trainer.report.ReportData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stages after extraction on in-memory rows, written through the model's BundleWriter. */
class BundleStageTest {

  @TempDir Path dir;

  @Test
  void writesABundleTheModelModuleReadsBackWithTheTrainedLayersAndPolicy() throws Exception {
    StageFixtures.Fitted f = StageFixtures.fitted(dir);
    RunPlan plan = f.plan();
    FeatureSets sets = f.features().of(0);
    Features features = new Features(sets, new Extraction("abc", "cache", 0, 212, 1.0, 32, 0,
        List.of()));
    Tops tops = new Tops(f.features(), null, null);
    TrainedHeads heads = f.heads();
    HeadLogits logits = f.logits();
    OodScores scores = f.scores();
    Calibration cal = CalibrationStage.calibrate(scores, "fusion", 0.9);
    Evaluation eval = EvaluationStage.evaluate(plan, heads, tops.features(), logits, scores, cal,
        StageFixtures.quiet());
    ReportData report = BundleStage.report(plan, features, tops, heads, scores, cal, eval, 1.5);
    Files.createDirectories(dir.resolve("out/stages/1"));
    Files.writeString(dir.resolve("out/stages/1/MODEL_CARD.md"), "kept");

    Path out = BundleStage.write(plan, tops, FeatureCache.sha256(plan.backboneFile()), heads, scores, cal, report);

    assertThat(out).isEqualTo(dir.resolve("out/stages/1"));
    Bundle b = BundleReader.read(out);
    assertThat(b.manifest().heads()).extracting(h -> h.name()).containsExactly("colour", "size", "gate");
    assertThat(b.manifest().heads().get(2).labels()).containsExactly("in", "out");
    assertThat(b.manifest().unknown().method()).isEqualTo("fusion");
    assertThat(b.manifest().unknown().threshold()).isEqualTo(cal.servedThreshold());
    float[] x = sets.get(SetRole.TEST).features()[3];
    assertThat(HeadMath.logits(b.headLayers().get(0), x)).isEqualTo(logits.of(SetRole.TEST)[3][0]);
    assertThat(b.oodArrays()).containsKeys("ood/mahalanobis_means.npy", "ood/knn_bank.npy");
    assertThat(out.resolve("tokenizer.json")).hasContent("{}");
    assertThat(out.resolve("MODEL_CARD.md")).hasContent("kept");
    assertThat(Files.readString(out.resolve("report.html"))).contains("colour");
    JsonNode m = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
    assertThat(m.path("sets").path("sizes").path("outliers-train").asInt()).isEqualTo(30);
    assertThat(m.path("extraction").path("extracted").asInt()).isEqualTo(212);
    assertThat(m.path("extraction").has("fine_tune")).isFalse();
    JsonNode manifest = new ObjectMapper().readTree(out.resolve("bundle.json").toFile());
    assertThat(manifest.path("provenance").path("gate_head").asText()).isEqualTo("gate");
    assertThat(manifest.path("metrics").path("colour.accuracy").asDouble()).isEqualTo(1.0);
    assertThat(manifest.path("metrics").has("unknown.far.auroc")).isTrue();
    try (var left = Files.list(out.getParent())) {
      assertThat(left.map(p -> p.getFileName().toString())).containsExactly("1");
    }
  }
}
