package dev.cerberus.model.graph;

import dev.cerberus.model.GateVerdict;
import dev.cerberus.model.HeadUnknown;
import dev.cerberus.model.Reason;
import dev.cerberus.model.bundle.DecisionStep;
import java.util.List;

/**
 * A bundle's decision order (docs/bundle.md "decision") applied to one item's verdicts: the
 * first step that rejects the item says why it is unknown; an item no step rejects is decided
 * by the class heads. Pure: the graph computes every verdict first (all are reported), this
 * only orders them.
 */
final class DecisionCascade {

  /** The item's overall verdict and reasons. */
  record Outcome(boolean unknown, Reason reason, Reason[] headReasons) {}

  private final List<DecisionStep> order;

  DecisionCascade(List<DecisionStep> order) {
    if (order.isEmpty() || order.get(order.size() - 1) != DecisionStep.CLASS) {
      throw new IllegalArgumentException("a decision order ends with class: " + order);
    }
    this.order = List.copyOf(order);
  }

  /**
   * @param gate the gate's verdict; null when the order has no gate step
   * @param top the top-level policy's verdict
   * @param own per head, its own policy's verdict; null for heads without one
   */
  Outcome decide(GateVerdict gate, HeadUnknown top, HeadUnknown[] own) {
    boolean anyOwn = false;
    boolean accepted = false;
    for (HeadUnknown h : own) {
      if (h == null) continue;
      anyOwn = true;
      accepted |= h.accepted();
    }
    // "none of these": only meaningful when some head can accept
    boolean unknownStep = top.unknown() || (anyOwn && !accepted);
    Reason reason = Reason.CLASS;
    for (DecisionStep step : order) {
      Reason r = rejects(step, gate, unknownStep);
      if (r != null) {
        reason = r;
        break;
      }
    }
    Reason[] heads = new Reason[own.length];
    for (int h = 0; h < own.length; h++) {
      if (own[h] == null) continue;
      heads[h] = Reason.CLASS;
      // a head's own cascade: the same order, its own policy in place of the unknown step
      for (DecisionStep step : order) {
        Reason r = rejects(step, gate, own[h].unknown());
        if (r != null) {
          heads[h] = r;
          break;
        }
      }
    }
    return new Outcome(reason != Reason.CLASS, reason, heads);
  }

  /** The reason {@code step} rejects the item for, or null when it passes it on. */
  private static Reason rejects(DecisionStep step, GateVerdict gate, boolean unknownRejects) {
    return switch (step) {
      case GATE -> gate != null && gate.rejected() ? Reason.GATE : null;
      case UNKNOWN -> unknownRejects ? Reason.THRESHOLD : null;
      case CLASS -> Reason.CLASS;
    };
  }
}
