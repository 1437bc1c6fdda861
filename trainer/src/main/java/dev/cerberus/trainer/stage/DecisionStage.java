package dev.cerberus.trainer.stage;

import dev.cerberus.model.bundle.BundleManifest;
import dev.cerberus.model.ood.OodMath;
import dev.cerberus.trainer.config.TrainerConfig;
import dev.cerberus.trainer.eval.Metrics;
import java.io.PrintStream;

/**
 * The bundle's {@code decision} section (docs/bundle.md "decision") from the config's
 * {@code decision}: the order as configured, and for a gate step its threshold, chosen on
 * validation data only: the gate head's "out" probability that passes {@code gate_tpr} of the
 * ID validation items (the same rule as every unknown threshold, {@link Metrics#thresholdAtTpr}).
 */
public final class DecisionStage {

  private DecisionStage() {}

  public static BundleManifest.DecisionSpec decide(RunPlan plan, HeadLogits logits,
      PrintStream log) {
    TrainerConfig.DecisionSpec d = plan.config().decision();
    var order = d.orderOrDefault();
    if (!order.contains("gate")) {
      // the default order needs no section: bundles stay as they were without one
      return d.order() == null ? BundleManifest.DecisionSpec.DEFAULT
          : new BundleManifest.DecisionSpec(order, null);
    }
    double[] val = gateScores(logits.of(SetRole.VAL), plan.gateIndex());
    double threshold = Math.min(1, Metrics.thresholdAtTpr(val, d.gateTpr()));
    double passed = Metrics.acceptedFraction(val, threshold);
    log.printf("decision %s: gate threshold %.5g passes %.3f of ID validation (gate_tpr %.2f)%n",
        order, threshold, passed, d.gateTpr());
    return new BundleManifest.DecisionSpec(order,
        new BundleManifest.GateSpec(plan.gateName(), threshold, passed));
  }

  /** The gate head's "out" probability per item, as the server computes it. */
  static double[] gateScores(float[][][] logits, int gate) {
    double[] s = new double[logits.length];
    for (int i = 0; i < s.length; i++) s[i] = OodMath.gate(logits[i][gate][0]);
    return s;
  }
}
