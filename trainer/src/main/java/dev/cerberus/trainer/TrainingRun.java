package dev.cerberus.trainer;

import dev.cerberus.model.bundle.BundleManifest;
import dev.cerberus.trainer.config.LoadedConfig;
import dev.cerberus.trainer.config.TrainerConfig;
import dev.cerberus.trainer.report.ReportData;
import dev.cerberus.trainer.stage.BundleStage;
import dev.cerberus.trainer.stage.Calibration;
import dev.cerberus.trainer.stage.CalibrationStage;
import dev.cerberus.trainer.stage.ConfigStage;
import dev.cerberus.trainer.stage.DatasetStage;
import dev.cerberus.trainer.stage.DecisionStage;
import dev.cerberus.trainer.stage.Datasets;
import dev.cerberus.trainer.stage.Evaluation;
import dev.cerberus.trainer.stage.EvaluationStage;
import dev.cerberus.trainer.stage.FeatureStage;
import dev.cerberus.trainer.stage.Features;
import dev.cerberus.trainer.stage.HeadFeatures;
import dev.cerberus.trainer.stage.HeadLogits;
import dev.cerberus.trainer.stage.HeadPolicies;
import dev.cerberus.trainer.stage.HeadPolicyEvaluation;
import dev.cerberus.trainer.stage.HeadPolicyStage;
import dev.cerberus.trainer.stage.HeadStage;
import dev.cerberus.trainer.stage.OodScores;
import dev.cerberus.trainer.stage.OodStage;
import dev.cerberus.trainer.stage.RunPlan;
import dev.cerberus.trainer.stage.TopStage;
import dev.cerberus.trainer.stage.Tops;
import dev.cerberus.trainer.stage.TrainedHeads;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The trainer's flow, one stage per step in the order data flows (package
 * {@code dev.cerberus.trainer.stage}, one file each): config -> datasets -> features (trunk,
 * cached) -> tops (shared, optionally fine-tuned; own tops per head) -> heads -> OOD fitting -> calibration ->
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
   * What a run made, for callers that compare the trainer's numbers with the served bundle's.
   *
   * @param bundle the bundle folder
   * @param features what each head read (its own top's features, or the shared ones)
   * @param logits every head's logits on every set
   * @param scores every OOD method's scores on the held-out sets
   * @param headPolicies every head's own unknown policy (empty without {@code ood.per_head})
   */
  public record Result(Path bundle, HeadFeatures features, HeadLogits logits, OodScores scores,
      HeadPolicies headPolicies) {}

  /**
   * The stages that need no backbone (config, datasets: every file read, every label checked),
   * for {@code --check}; throws what the run would throw before extraction.
   */
  public Datasets check() {
    return DatasetStage.read(ConfigStage.plan(loaded), log);
  }

  /** Runs every stage and returns the bundle folder. */
  public Path run() throws IOException {
    return runAll().bundle();
  }

  /** Runs every stage; the bundle and the trainer's own view of it. */
  public Result runAll() throws IOException {
    long t0 = System.nanoTime();
    RunPlan plan = ConfigStage.plan(loaded);
    Datasets data = DatasetStage.read(plan, log);
    Features features = FeatureStage.extract(plan, data, log);
    Tops tops = TopStage.run(plan, features, log);
    try {
      TrainedHeads heads = HeadStage.train(plan, tops.features(), log);
      HeadLogits logits = HeadLogits.of(heads, tops.features());
      OodScores scores = OodStage.fit(plan, heads,
          tops.forUnknownPolicy(plan.decisionHead().name()), logits, log);
      var ood = plan.config().ood();
      Calibration cal = CalibrationStage.calibrate(scores, ood.serve(), ood.targetTpr());
      // per-head policies read each head's own rows (own top's features, own logits)
      HeadPolicies own = HeadPolicyStage.fit(plan, tops.features(), logits, log);
      Evaluation eval = EvaluationStage.evaluate(plan, heads, tops.features(), logits, scores,
          cal, log).withPerHead(HeadPolicyEvaluation.evaluate(plan, tops.features(), own, scores,
          cal, ood.topLevel() == TrainerConfig.TopLevel.SERVED));
      ReportData report = BundleStage.report(plan, features, tops, heads, scores, cal, eval,
          (System.nanoTime() - t0) / 1e9);
      BundleManifest.DecisionSpec decision = DecisionStage.decide(plan, logits, log);
      Path out = BundleStage.write(plan, tops, features.extraction().backboneSha256(), heads,
          scores, cal, own, decision, report);
      boolean topNone = !own.isEmpty() && ood.topLevel() == TrainerConfig.TopLevel.NONE;
      log.printf("bundle written to %s (served unknown: %s, threshold %.5g at TPR %.2f%s) in %.1fs%n",
          out, topNone ? "none" : cal.served(), topNone ? 0 : cal.servedThreshold(),
          cal.targetTpr(), own.isEmpty() ? "" : "; " + own.heads().size() + " per-head policies",
          (System.nanoTime() - t0) / 1e9);
      return new Result(out, tops.features(), logits, scores, own);
    } finally {
      tops.deleteWork();
    }
  }
}
