package dev.cerberus.trainer.stage;

import dev.cerberus.trainer.config.LocoSpec;
import dev.cerberus.trainer.ood.FittedScore;
import dev.cerberus.trainer.ood.LinearRefit;
import dev.cerberus.trainer.ood.LocoChoice;
import dev.cerberus.trainer.ood.LocoFolds;
import dev.cerberus.trainer.ood.LocoProxy;
import dev.cerberus.trainer.ood.OodFitter;
import dev.cerberus.trainer.ood.ServedChoice;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stage 6, {@code ood.serve: auto} with {@code ood.selection: loco} ({@link LocoChoice}): the
 * leave-one-known-class-out folds of the decision head's training and validation rows, every
 * single method refitted and scored on each fold, the far constraint read from the served
 * model's scores on the held-out training outliers, and the chosen candidate added to the
 * fitted scores as {@link ServedChoice#SERVED}. Reads only training and validation rows.
 */
final class LocoChoiceStage {

  private LocoChoiceStage() {}

  static ServedChoice.Choice choose(RunPlan plan, FeatureSets rows,
      Map<String, FittedScore> fitted, Map<String, Map<SetId, double[]>> scores,
      PrintStream log) {
    var c = plan.config();
    var ood = c.ood();
    LocoSpec loco = ood.loco();
    var head = plan.decisionHead();
    List<String> methods = ood.methods().stream().filter(m -> !m.equals("fusion")).toList();
    FeatureSet train = rows.get(SetRole.TRAIN);
    FeatureSet val = rows.get(SetRole.VAL);
    int[] trainLabels = Labels.of(train.samples(), head);
    int[] valLabels = Labels.of(val.samples(), head);
    List<LocoFolds.Fold> folds = LocoFolds.of(trainLabels, valLabels, head.labels().size());
    LinearRefit.Settings hs = new LinearRefit.Settings(loco.headSteps(), loco.headLearningRate(),
        c.training().weightDecay(), c.training().oeLambda());
    LocoProxy.Inputs in = new LocoProxy.Inputs(train.features(), trainLabels, val.features(),
        valLabels, rows.get(SetRole.OUTLIERS_TRAIN).features(), head.labels().size(),
        Boolean.TRUE.equals(head.outlierExposure()), hs, ood.knnK(), ood.knnBankSize(),
        ood.mahalanobisShrinkage(), ood.temperature(), c.seed());
    long t0 = System.nanoTime();
    Map<String, List<LocoProxy.FoldScores>> foldScores = LocoProxy.score(methods, in, folds);
    Map<String, java.util.function.Function<float[], Double>> unseen =
        loco.far() == LocoSpec.Far.UNSEEN ? LocoProxy.withoutOutliers(methods, in) : Map.of();
    float[][] heldOut = rows.get(SetRole.OUTLIERS_VAL).features();
    Map<String, LocoChoice.Served> served = new LinkedHashMap<>();
    for (String m : methods) {
      var u = unseen.get(m);
      served.put(m, new LocoChoice.Served(scores.get(m).get(SetId.of(SetRole.VAL)),
          scores.get(m).get(SetId.of(SetRole.OUTLIERS_VAL)),
          u == null ? null : LocoProxy.scoreAll(u, val.features()),
          u == null ? null : LocoProxy.scoreAll(u, heldOut)));
    }
    ServedChoice.Choice choice = LocoChoice.choose(foldScores, served, head.labels(),
        ood.targetTpr(), loco.farMinAuroc());
    log.printf("ood loco: %d folds x %d methods refitted and scored in %.1fs%n", folds.size(),
        methods.size(), (System.nanoTime() - t0) / 1e9);
    for (ServedChoice.Candidate k : choice.candidates()) {
      double[] far = k.byProxy().get(ServedChoice.OUTLIERS);
      double[] un = k.byProxy().get(LocoChoice.UNSEEN);
      log.printf("ood loco %-40s near FPR %.3f AUROC %.4f  far AUROC %.4f%s%s%n", k.name(),
          k.fpr(), k.auroc(), far[1], un == null ? "" : String.format("  unseen %.4f", un[1]),
          k == choice.chosen() ? "  <- served" : "");
    }
    ServedChoice.Candidate chosen = choice.chosen();
    if (chosen.isFusion()) {
      FittedScore f = OodFitter.fuse(chosen.members().stream().map(fitted::get).toList(),
          chosen.members().stream().map(m -> served.get(m).knownVal()).toList(), head.name());
      fitted.put(ServedChoice.SERVED, f);
      scores.put(ServedChoice.SERVED, OodFitter.fusedScores(f,
          chosen.members().stream().map(scores::get).toList()));
    } else {
      fitted.put(ServedChoice.SERVED, fitted.get(chosen.name()));
      scores.put(ServedChoice.SERVED, scores.get(chosen.name()));
    }
    return choice;
  }
}
