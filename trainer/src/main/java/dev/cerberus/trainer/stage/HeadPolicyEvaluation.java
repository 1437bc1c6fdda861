package dev.cerberus.trainer.stage;

import dev.cerberus.trainer.config.TrainerConfig.HeadSpec;
import dev.cerberus.trainer.eval.Metrics;
import dev.cerberus.trainer.report.UnknownReport;
import dev.cerberus.trainer.stage.HeadPolicies.HeadPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Part of stage 8 ({@code ood.per_head}): each head's own policy on its own labelled ID test
 * rows vs each evaluation OOD set, and the served overall decision: known when at least one
 * head accepts and the top-level policy (unless {@code none}) accepts.
 */
public final class HeadPolicyEvaluation {

  private HeadPolicyEvaluation() {}

  /** Null when no head has its own policy. */
  public static UnknownReport evaluate(RunPlan plan, HeadFeatures features,
      HeadPolicies policies, OodScores scores, Calibration cal, boolean topLevelKept) {
    if (policies.isEmpty()) {
      return null;
    }
    SetId test = SetId.of(SetRole.TEST);
    List<UnknownReport.HeadRow> rows = new ArrayList<>();
    for (HeadPolicy p : policies.heads()) {
      HeadSpec spec = plan.config().heads().get(p.index());
      double[] idTest = HeadPolicyStage.select(p.of(test),
          HeadPolicyStage.labelled(Labels.of(features.samples(test), spec)));
      for (SetId set : features.ids()) {
        if (set.isOod()) {
          double[] ood = p.of(set);
          rows.add(new UnknownReport.HeadRow(p.head(), p.method(), p.threshold(),
              p.validationTpr(), set.name(), Metrics.auroc(idTest, ood),
              Metrics.fprAtTpr(idTest, ood, 0.95), Metrics.acceptedFraction(idTest, p.threshold()),
              Metrics.acceptedFraction(ood, p.threshold())));
        }
      }
    }
    Map<String, Double> rejected = new TreeMap<>();
    Map<String, Double> unknown = new TreeMap<>();
    for (SetId set : features.ids()) {
      if (set.isOod()) {
        rejected.put(set.name(), 1 - share(policies, scores, cal, set, false));
        unknown.put(set.name(), 1 - share(policies, scores, cal, set, topLevelKept));
      }
    }
    return new UnknownReport(rows, new UnknownReport.Overall(topLevelKept,
        share(policies, scores, cal, test, false), rejected,
        share(policies, scores, cal, test, topLevelKept), unknown));
  }

  /** Share of the set's items some head accepts (and, with {@code topLevel}, the top too). */
  static double share(HeadPolicies policies, OodScores scores, Calibration cal, SetId set,
      boolean topLevel) {
    double[] top = scores.of(cal.served(), set);
    int known = 0;
    for (int i = 0; i < top.length; i++) {
      boolean any = false;
      for (HeadPolicy p : policies.heads()) {
        any |= p.accepts(set, i);
      }
      known += any && (!topLevel || top[i] <= cal.servedThreshold()) ? 1 : 0;
    }
    return top.length == 0 ? 0 : (double) known / top.length;
  }
}
