package dev.cerberus.trainer.config;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The config rules of {@code decision} (the bundle's decision order), apart from
 * {@link ConfigLoader} to keep that file small. They mirror the bundle reader's
 * (docs/bundle.md "decision") so that a run never writes a bundle the server refuses, and
 * {@code --check} reports them before any data is read.
 */
final class DecisionOrderCheck {

  private static final List<String> STEPS = List.of("gate", "unknown", "class");

  private DecisionOrderCheck() {}

  static void check(List<String> errors, TrainerConfig c) {
    var d = c.decision();
    List<String> order = d.orderOrDefault();
    Set<String> seen = new HashSet<>();
    for (String step : order) {
      if (!STEPS.contains(step)) {
        errors.add("decision.order: '" + step + "' is not a step (allowed: gate, unknown, class)");
        return;
      }
      if (!seen.add(step)) {
        errors.add("decision.order: names '" + step + "' more than once");
        return;
      }
    }
    if (order.isEmpty() || !"class".equals(order.get(order.size() - 1))) {
      errors.add("decision.order: " + order + " must end with class (the class heads decide last)");
    }
    if (seen.contains("gate") && c.gate() == null) {
      errors.add("decision.order: step gate needs a gate: section (the gate head to train)");
    }
    // the trainer always writes an unknown policy (top-level, or per-head "none of these")
    if (!seen.contains("unknown")) {
      errors.add("decision.order: " + order + " needs step unknown (the trainer always writes"
          + " an unknown policy; a bundle whose policy no step reads is refused)");
    }
    if (!(d.gateTpr() > 0 && d.gateTpr() <= 1)) {
      errors.add("decision.gate_tpr: in (0, 1], got " + d.gateTpr());
    }
  }
}
