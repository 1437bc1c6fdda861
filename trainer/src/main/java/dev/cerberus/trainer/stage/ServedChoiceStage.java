package dev.cerberus.trainer.stage;

import dev.cerberus.model.heads.HeadMath;
import dev.cerberus.trainer.ood.FittedScore;
import dev.cerberus.trainer.ood.MixupOutliers;
import dev.cerberus.trainer.ood.OodFitter;
import dev.cerberus.trainer.ood.ServedChoice;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stage 6, {@code ood.serve: auto} ({@link ServedChoice}): every candidate measured on the known
 * validation items against the "out" proxies (the held-out training outliers; with
 * {@code ood.auto_mixup} also rows mixed between known validation rows), the best one added to
 * the fitted scores as {@link ServedChoice#SERVED}. Reads only validation rows: the evaluation
 * OOD sets are never an input of the choice.
 */
final class ServedChoiceStage {

  /** Mixing weights of the mixup proxy: as far from either class as from the other. */
  static final double MIX_MIN = 0.3;
  static final double MIX_MAX = 0.7;

  private static final String VAL = "val";

  private ServedChoiceStage() {}

  static ServedChoice.Choice choose(RunPlan plan, TrainedHeads heads, FeatureSets rows,
      Map<String, FittedScore> fitted, Map<String, Map<SetId, double[]>> scores,
      PrintStream log) {
    var ood = plan.config().ood();
    double tpr = ood.targetTpr();
    Mixed mixed = ood.autoMixup() > 0 ? mixed(plan, heads, rows) : null;
    Map<String, Map<String, double[]>> single = new LinkedHashMap<>();
    List<ServedChoice.Candidate> singles = new ArrayList<>();
    for (String m : ood.methods()) {
      if (m.equals("fusion")) {
        continue;
      }
      Map<String, double[]> s = new LinkedHashMap<>();
      s.put(VAL, scores.get(m).get(SetId.of(SetRole.VAL)));
      s.put(ServedChoice.OUTLIERS, scores.get(m).get(SetId.of(SetRole.OUTLIERS_VAL)));
      if (mixed != null) {
        s.put(ServedChoice.MIXUP, mixed.score(fitted.get(m)));
      }
      single.put(m, s);
      singles.add(measure(m, List.of(m), s, tpr));
    }
    List<ServedChoice.Candidate> all = new ArrayList<>(singles);
    Map<String, FittedScore> fusions = new LinkedHashMap<>();
    for (List<String> members : ServedChoice.fusionsOfBest(singles)) {
      FittedScore f = OodFitter.fuse(members.stream().map(fitted::get).toList(),
          members.stream().map(m -> single.get(m).get(VAL)).toList(), plan.decisionHead().name());
      String name = ServedChoice.fusionName(members);
      fusions.put(name, f);
      all.add(measure(name, members, OodFitter.fusedScores(f,
          members.stream().map(single::get).toList()), tpr));
    }
    var first = single.values().iterator().next();
    ServedChoice.Choice choice = ServedChoice.choose(all, first.get(ServedChoice.OUTLIERS).length,
        first.get(VAL).length, tpr, ood.autoTies());
    for (ServedChoice.Candidate k : all) {
      StringBuilder by = new StringBuilder();
      k.byProxy().forEach((p, v) -> by.append(String.format("  %s FPR %.3f AUROC %.4f", p, v[0],
          v[1])));
      log.printf("ood auto %-40s rule FPR %.3f AUROC %.4f%s%s%n", k.name(), k.fpr(), k.auroc(),
          mixed == null ? "" : by, k == choice.chosen() ? "  <- served" : "");
    }
    String chosen = choice.chosen().name();
    FittedScore served = choice.chosen().isFusion() ? fusions.get(chosen) : fitted.get(chosen);
    fitted.put(ServedChoice.SERVED, served);
    scores.put(ServedChoice.SERVED, choice.chosen().isFusion()
        ? OodFitter.fusedScores(served, choice.chosen().members().stream().map(scores::get)
            .toList())
        : scores.get(chosen));
    return choice;
  }

  private static ServedChoice.Candidate measure(String name, List<String> members,
      Map<String, double[]> s, double tpr) {
    Map<String, double[]> proxies = new LinkedHashMap<>(s);
    proxies.remove(VAL);
    return ServedChoice.measure(name, members, s.get(VAL), proxies, tpr);
  }

  /** Mixed rows and every head's logits on them (all heads read the shared top's rows). */
  record Mixed(float[][] x, float[][][] z) {
    double[] score(FittedScore f) {
      double[] out = new double[x.length];
      for (int i = 0; i < x.length; i++) {
        out[i] = f.scorer().score(x[i], z[i]);
      }
      return out;
    }
  }

  static Mixed mixed(RunPlan plan, TrainedHeads heads, FeatureSets rows) {
    FeatureSet val = rows.get(SetRole.VAL);
    float[][] x = MixupOutliers.between(val.features(), Labels.of(val.samples(),
        plan.decisionHead()), plan.config().ood().autoMixup(), MIX_MIN, MIX_MAX,
        plan.config().seed() + 17);
    int nh = heads.layers().size();
    float[][][] z = new float[x.length][nh][];
    for (int i = 0; i < x.length; i++) {
      for (int h = 0; h < nh; h++) {
        z[i][h] = HeadMath.logits(heads.layers().get(h), x[i]);
      }
    }
    return new Mixed(x, z);
  }
}
