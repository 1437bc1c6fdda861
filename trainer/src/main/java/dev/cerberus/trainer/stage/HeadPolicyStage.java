package dev.cerberus.trainer.stage;

import dev.cerberus.trainer.config.TrainerConfig;
import dev.cerberus.trainer.config.TrainerConfig.HeadSpec;
import dev.cerberus.trainer.eval.Metrics;
import dev.cerberus.trainer.ood.FittedScore;
import dev.cerberus.trainer.ood.OodFitter;
import dev.cerberus.trainer.stage.HeadPolicies.HeadPolicy;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Stage 6b ({@code ood.per_head}), {@link TrainedHeads} + {@link HeadLogits} ->
 * {@link HeadPolicies}: every config head's own unknown policy. Each is fitted on that head's
 * labelled training rows and on the rows the server scores it on (docs/bundle.md: a head's own
 * policy reads the head's own features, {@code top_own(trunk(x))} for a head with its own top,
 * and its own logits), then calibrated at {@code ood.target_tpr} on the head's labelled
 * validation rows: a "base vs X" head accepts the inputs of its task, not of the others.
 */
public final class HeadPolicyStage {

  private HeadPolicyStage() {}

  public static HeadPolicies fit(RunPlan plan, HeadFeatures features, HeadLogits logits,
      PrintStream log) {
    TrainerConfig c = plan.config();
    if (!c.ood().perHead()) {
      return HeadPolicies.none();
    }
    List<HeadPolicy> out = new ArrayList<>();
    for (int h = 0; h < c.heads().size(); h++) {
      long t0 = System.nanoTime();
      HeadPolicy p = fitHead(plan, h, features, logits);
      log.printf("ood head %-10s own %s: threshold %.5g, validation TPR %.3f (%.1fs)%n",
          p.head(), p.method(), p.threshold(), p.validationTpr(), (System.nanoTime() - t0) / 1e9);
      out.add(p);
    }
    return new HeadPolicies(out);
  }

  static HeadPolicy fitHead(RunPlan plan, int h, HeadFeatures features, HeadLogits logits) {
    TrainerConfig c = plan.config();
    HeadSpec spec = c.heads().get(h);
    FeatureSets rows = features.of(h);
    FeatureSet train = rows.get(SetRole.TRAIN);
    OodFitter.Inputs in = new OodFitter.Inputs(spec.name(), h,
        "binary".equals(spec.kind()) ? 2 : spec.labels().size(), plan.gateName(),
        plan.gateIndex(), train.features(), Labels.of(train.samples(), spec),
        c.ood().temperature(), c.ood().knnK(), c.ood().knnBankSize(),
        c.ood().mahalanobisShrinkage(), c.seed());
    boolean[] labelledVal = labelled(Labels.of(rows.get(SetRole.VAL).samples(), spec));
    if (select(new double[labelledVal.length], labelledVal).length == 0) {
      throw new IllegalStateException("ood.per_head: head '" + spec.name()
          + "' has no labelled validation rows to calibrate its own unknown policy on");
    }
    String method = spec.unknownMethodOr(c.ood().serve());
    int threads = c.backbone().threads();
    FittedScore fitted;
    Map<SetId, double[]> scores;
    if (!method.equals("fusion")) {
      fitted = OodFitter.fit(method, in);
      scores = OodStage.scoreAll(fitted, rows.heldOut(), logits, threads);
    } else {
      List<FittedScore> parts = new ArrayList<>();
      List<double[]> val = new ArrayList<>();
      List<Map<SetId, double[]>> partScores = new ArrayList<>();
      for (String m : c.ood().fusion()) {
        FittedScore fs = OodFitter.fit(m, in);
        Map<SetId, double[]> ps = OodStage.scoreAll(fs, rows.heldOut(), logits, threads);
        parts.add(fs);
        partScores.add(ps);
        // z-scored on this head's own ID validation rows, as it is calibrated there
        val.add(select(ps.get(SetId.of(SetRole.VAL)), labelledVal));
      }
      fitted = OodFitter.fuse(parts, val, spec.name());
      scores = OodFitter.fusedScores(fitted, partScores);
    }
    double[] idVal = select(scores.get(SetId.of(SetRole.VAL)), labelledVal);
    double thr = Metrics.thresholdAtTpr(idVal, c.ood().targetTpr());
    return new HeadPolicy(spec.name(), h, fitted,
        OodFitter.calibrated(fitted.policy(), thr, c.ood().targetTpr()), scores, thr,
        Metrics.acceptedFraction(idVal, thr));
  }

  /** Which rows carry a label of the head's task. */
  static boolean[] labelled(int[] labels) {
    boolean[] out = new boolean[labels.length];
    for (int i = 0; i < labels.length; i++) {
      out[i] = labels[i] >= 0;
    }
    return out;
  }

  static double[] select(double[] v, boolean[] keep) {
    int n = 0;
    for (boolean k : keep) {
      n += k ? 1 : 0;
    }
    double[] out = new double[n];
    for (int i = 0, j = 0; i < v.length; i++) {
      if (keep[i]) {
        out[j++] = v[i];
      }
    }
    return out;
  }
}
