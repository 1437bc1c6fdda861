package dev.cerberus.trainer;

import dev.cerberus.trainer.config.LoadedConfig;
import dev.cerberus.trainer.report.ReportData;
import dev.cerberus.trainer.stage.BundleStage;
import dev.cerberus.trainer.stage.Calibration;
import dev.cerberus.trainer.stage.CalibrationStage;
import dev.cerberus.trainer.stage.ConfigStage;
import dev.cerberus.trainer.stage.DatasetStage;
import dev.cerberus.trainer.stage.Datasets;
import dev.cerberus.trainer.stage.Evaluation;
import dev.cerberus.trainer.stage.EvaluationStage;
import dev.cerberus.trainer.stage.FeatureStage;
import dev.cerberus.trainer.stage.Features;
import dev.cerberus.trainer.stage.HeadLogits;
import dev.cerberus.trainer.stage.HeadStage;
import dev.cerberus.trainer.stage.OodScores;
import dev.cerberus.trainer.stage.OodStage;
import dev.cerberus.trainer.stage.RunPlan;
import dev.cerberus.trainer.stage.TopStage;
import dev.cerberus.trainer.stage.Tops;
import dev.cerberus.trainer.stage.TrainedHeads;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The trainer's flow, one stage per step in the order data flows (package
 * {@code dev.cerberus.trainer.stage}, one file each): config -> datasets -> features (trunk,
 * cached) -> top (shared, optionally fine-tuned) -> heads -> OOD fitting -> calibration ->
 * evaluation -> bundle + report. Everything that can be checked without the backbone is
 * checked first.
 */
public final class TrainingRun {

  private final LoadedConfig loaded;
  private final PrintStream log;

  public TrainingRun(LoadedConfig loaded, PrintStream log) {
    this.loaded = loaded;
    this.log = log;
  }

  /**
   * The stages that need no backbone (config, datasets: every file read, every label checked),
   * for {@code --check}; throws what the run would throw before extraction.
   */
  public Datasets check() {
    return DatasetStage.read(ConfigStage.plan(loaded), log);
  }

  /** Runs every stage and returns the bundle folder. */
  public Path run() throws IOException {
    long t0 = System.nanoTime();
    RunPlan plan = ConfigStage.plan(loaded);
    Datasets data = DatasetStage.read(plan, log);
    Features features = FeatureStage.extract(plan, data, log);
    Tops tops = TopStage.run(plan, features, log);
    try {
      TrainedHeads heads = HeadStage.train(plan, tops.features(), log);
      HeadLogits logits = HeadLogits.of(heads, tops.features());
      OodScores scores = OodStage.fit(plan, heads, tops.features(), logits, log);
      var ood = plan.config().ood();
      Calibration cal = CalibrationStage.calibrate(scores, ood.serve(), ood.targetTpr());
      Evaluation eval = EvaluationStage.evaluate(plan, heads, tops.features(), logits, scores,
          cal, log);
      ReportData report = BundleStage.report(plan, features, tops, heads, scores, cal, eval,
          (System.nanoTime() - t0) / 1e9);
      Path out = BundleStage.write(plan, tops, features.extraction().backboneSha256(), heads,
          scores, cal, report);
      log.printf("bundle written to %s (served unknown: %s, threshold %.5g at TPR %.2f) in %.1fs%n",
          out, cal.served(), cal.servedThreshold(), cal.targetTpr(),
          (System.nanoTime() - t0) / 1e9);
      return out;
    } finally {
      if (tops.topFile() != null) {
        Files.deleteIfExists(tops.topFile());
      }
    }
  }
}
