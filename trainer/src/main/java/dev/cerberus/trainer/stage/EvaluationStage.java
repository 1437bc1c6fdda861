package dev.cerberus.trainer.stage;

import dev.cerberus.model.heads.HeadMath;
import dev.cerberus.trainer.config.TrainerConfig.HeadSpec;
import dev.cerberus.trainer.eval.Metrics;
import dev.cerberus.trainer.report.ReportData.HeadResult;
import dev.cerberus.trainer.report.ReportData.OodResult;
import dev.cerberus.trainer.train.HeadTask;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Stage 8, everything trained and calibrated -> {@link Evaluation} on the held-out sets: each
 * head on ID test (the gate: ID test "in" vs every evaluation OOD set "out"), each OOD method
 * as AUROC / FPR95 (ID test vs each set) and as the full decision at its calibrated threshold.
 */
public final class EvaluationStage {

  private EvaluationStage() {}

  public static Evaluation evaluate(RunPlan plan, TrainedHeads heads, HeadFeatures features,
      HeadLogits logits, OodScores scores, Calibration calibration, PrintStream log) {
    List<OodResult> ood = ood(plan, features, logits, scores, calibration);
    for (OodResult r : ood) {
      log.printf("ood %-12s vs %-12s AUROC %.3f  FPR95 %.3f  decision acc %.3f%n", r.method(),
          r.oodSet(), r.auroc(), r.fpr95(), r.decisionAccuracy());
    }
    List<HeadResult> results = new ArrayList<>();
    for (int t = 0; t < heads.tasks().size(); t++) {
      results.add(t == plan.gateIndex() ? gate(heads.tasks().get(t), t, features, logits)
          : head(heads.tasks().get(t), t, plan.config().heads().get(t), features, logits));
    }
    for (var h : results) {
      log.printf("head %-12s test accuracy %.4f  macro-F1 %.4f%s (n=%d)%n", h.head(), h.accuracy(),
          h.macroF1(), h.auroc() == null ? "" : String.format("  AUROC %.4f", h.auroc()), h.n());
    }
    return new Evaluation(results, ood);
  }

  static List<OodResult> ood(RunPlan plan, HeadFeatures features, HeadLogits logits,
      OodScores scores, Calibration calibration) {
    SetId test = SetId.of(SetRole.TEST);
    int[] labels = Labels.of(features.samples(test), plan.decisionHead());
    int[] pred = logits.predictions(test, plan.decisionIndex());
    List<OodResult> out = new ArrayList<>();
    for (String m : scores.scores().keySet()) {
      double thr = calibration.threshold(m);
      double[] idTest = scores.of(m, test);
      for (SetId set : features.ids()) {
        if (!set.isOod()) {
          continue;
        }
        double[] ood = scores.of(m, set);
        out.add(new OodResult(m, set.name(), Metrics.auroc(idTest, ood),
            Metrics.fprAtTpr(idTest, ood, 0.95),
            decisionAccuracy(idTest, labels, pred, ood, thr),
            Metrics.acceptedFraction(idTest, thr), Metrics.acceptedFraction(ood, thr)));
      }
    }
    return out;
  }

  /** Right known label (and accepted) for ID items with a label, "unknown" for OOD items. */
  static double decisionAccuracy(double[] idScores, int[] idLabels, int[] idPred, double[] ood,
      double threshold) {
    int ok = 0;
    int n = 0;
    for (int i = 0; i < idScores.length; i++) {
      if (idLabels[i] < 0) {
        continue;
      }
      n++;
      ok += idScores[i] <= threshold && idPred[i] == idLabels[i] ? 1 : 0;
    }
    for (double s : ood) {
      n++;
      ok += s > threshold ? 1 : 0;
    }
    return (double) ok / n;
  }

  /** One decision head on its labelled ID test rows. */
  static HeadResult head(HeadTask task, int index, HeadSpec spec, HeadFeatures features,
      HeadLogits logits) {
    Confusion c = new Confusion(task.binary());
    int[] y = Labels.of(features.samples(SetRole.TEST), spec);
    float[][][] z = logits.of(SetRole.TEST);
    for (int i = 0; i < y.length; i++) {
      if (y[i] >= 0) {
        c.add(y[i], z[i][index]);
      }
    }
    return c.result(task, spec.labels(), false);
  }

  /** The gate: ID test ("in", 0) vs every evaluation OOD set ("out", 1), in set order. */
  static HeadResult gate(HeadTask task, int index, HeadFeatures features, HeadLogits logits) {
    Confusion c = new Confusion(true);
    for (SetId id : features.ids()) {
      int y = id.role() == SetRole.TEST ? 0 : id.isOod() ? 1 : -1;
      if (y < 0) {
        continue;
      }
      for (float[][] z : logits.of(id)) {
        c.add(y, z[index]);
      }
    }
    return c.result(task, List.of("in", "out"), true);
  }

  /** Truth, prediction and (binary heads) the positive logit of each evaluated row. */
  private static final class Confusion {
    final boolean binary;
    final List<Integer> truth = new ArrayList<>();
    final List<Integer> pred = new ArrayList<>();
    final List<Double> pos = new ArrayList<>();
    final List<Double> neg = new ArrayList<>();

    Confusion(boolean binary) {
      this.binary = binary;
    }

    void add(int y, float[] z) {
      truth.add(y);
      pred.add(binary ? (z[0] > 0 ? 1 : 0) : HeadMath.argmax(z));
      if (binary) {
        (y == 1 ? pos : neg).add((double) z[0]);
      }
    }

    HeadResult result(HeadTask task, List<String> labelNames, boolean isGate) {
      int classes = task.binary() ? 2 : task.sizes()[task.sizes().length - 1];
      int[] t = truth.stream().mapToInt(Integer::intValue).toArray();
      int[] p = pred.stream().mapToInt(Integer::intValue).toArray();
      Double auroc = task.binary() && !pos.isEmpty() && !neg.isEmpty()
          ? Metrics.auroc(neg.stream().mapToDouble(Double::doubleValue).toArray(),
              pos.stream().mapToDouble(Double::doubleValue).toArray()) : null;
      return new HeadResult(task.name(), labelNames, t.length, Metrics.accuracy(t, p),
          Metrics.macroF1(t, p, classes), auroc, Metrics.confusion(t, p, classes), isGate);
    }
  }
}
