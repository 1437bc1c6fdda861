package dev.cerberus.trainer.stage;

import dev.cerberus.trainer.config.TrainerConfig;
import dev.cerberus.trainer.ood.FittedScore;
import dev.cerberus.trainer.ood.OodFitter;
import dev.cerberus.trainer.ood.Selection;
import dev.cerberus.trainer.ood.ServedChoice;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * Stage 6, {@link TrainedHeads} + {@link HeadLogits} -> {@link OodScores}: each configured
 * method fitted on the decision head's in-distribution training rows (the model module's
 * scorers, so the scores are the server's), then every held-out set scored. The fusion is
 * fitted on its components' ID validation scores.
 */
public final class OodStage {

  private OodStage() {}

  public static OodScores fit(RunPlan plan, TrainedHeads heads, HeadFeatures features,
      HeadLogits logits, PrintStream log) {
    TrainerConfig c = plan.config();
    int decision = plan.decisionIndex();
    // feature-space methods read the rows given for the decision head (the shared top's when
    // it has its own: Tops.forUnknownPolicy, as the server scores the top-level policy)
    FeatureSets rows = features.of(decision);
    FeatureSet train = rows.get(SetRole.TRAIN);
    OodFitter.Inputs in = new OodFitter.Inputs(plan.decisionHead().name(), decision,
        "binary".equals(plan.decisionHead().kind()) ? 2 : plan.decisionHead().labels().size(),
        plan.gateName(), plan.gateIndex(), train.features(),
        Labels.of(train.samples(), plan.decisionHead()), c.ood().temperature(), c.ood().knnK(),
        c.ood().knnBankSize(), c.ood().mahalanobisShrinkage(), c.seed());
    List<FeatureSet> scored = rows.heldOut();
    Map<String, FittedScore> fitted = new LinkedHashMap<>();
    Map<String, Map<SetId, double[]>> scores = new LinkedHashMap<>();
    for (String m : c.ood().methods()) {
      if (m.equals("fusion")) {
        continue;
      }
      long s0 = System.nanoTime();
      FittedScore fs = OodFitter.fit(m, in);
      fitted.put(m, fs);
      scores.put(m, scoreAll(fs, scored, logits, c.backbone().threads()));
      log.printf("ood %-12s fitted and scored in %.1fs%n", m, (System.nanoTime() - s0) / 1e9);
    }
    if (c.ood().methods().contains("fusion")) {
      List<FittedScore> parts = new ArrayList<>();
      List<double[]> valScores = new ArrayList<>();
      List<Map<SetId, double[]>> partScores = new ArrayList<>();
      for (String m : c.ood().fusion()) {
        FittedScore fs = fitted.containsKey(m) ? fitted.get(m) : OodFitter.fit(m, in);
        Map<SetId, double[]> ps = scores.containsKey(m) ? scores.get(m)
            : scoreAll(fs, scored, logits, c.backbone().threads());
        parts.add(fs);
        partScores.add(ps);
        valScores.add(ps.get(SetId.of(SetRole.VAL)));
      }
      FittedScore fusion = OodFitter.fuse(parts, valScores, plan.decisionHead().name());
      fitted.put("fusion", fusion);
      // the served fusion formula (OodScorers.fusion: sum_i w_i (s_i - mean_i) / std_i) applied
      // to the component scores already computed, instead of running every component again
      scores.put("fusion", OodFitter.fusedScores(fusion, partScores));
    }
    ServedChoice.Choice choice = null;
    if (ServedChoice.AUTO.equals(c.ood().serve())) {
      choice = c.ood().selection() == Selection.LOCO
          ? LocoChoiceStage.choose(plan, rows, fitted, scores, log)
          : ServedChoiceStage.choose(plan, heads, rows, fitted, scores, log);
    }
    return new OodScores(fitted, scores, choice);
  }

  /** One method's scores on each set, items scored in parallel (each score is independent). */
  static Map<SetId, double[]> scoreAll(FittedScore fs, List<FeatureSet> sets, HeadLogits logits,
      int threads) {
    Map<SetId, double[]> out = new LinkedHashMap<>();
    ForkJoinPool pool = new ForkJoinPool(threads);
    try {
      for (FeatureSet s : sets) {
        float[][][] z = logits.of(s.id());
        double[] r = new double[s.size()];
        pool.submit(() -> IntStream.range(0, s.size()).parallel()
            .forEach(i -> r[i] = fs.scorer().score(s.features()[i], z[i]))).join();
        out.put(s.id(), r);
      }
    } finally {
      pool.shutdown();
    }
    return out;
  }
}
