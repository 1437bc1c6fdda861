package dev.cerberus.model.graph;

import static dev.cerberus.model.bundle.DecisionStep.CLASS;
import static dev.cerberus.model.bundle.DecisionStep.GATE;
import static dev.cerberus.model.bundle.DecisionStep.UNKNOWN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cerberus.model.GateVerdict;
import dev.cerberus.model.HeadUnknown;
import dev.cerberus.model.Reason;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The decision order on hand-made verdicts: every reason is reachable, order breaks ties. */
class DecisionCascadeTest {

  private static final DecisionCascade GATE_FIRST = new DecisionCascade(List.of(GATE, UNKNOWN, CLASS));
  private static final HeadUnknown[] NO_HEADS = new HeadUnknown[2];

  private static GateVerdict gate(float score) {
    return new GateVerdict("gate", score, 0.5f);
  }

  private static HeadUnknown policy(boolean rejects) {
    return new HeadUnknown(rejects, rejects ? 2f : 0f, "knn", 1f);
  }

  @Test
  void gateFirstGivesEachReason() {
    var byGate = GATE_FIRST.decide(gate(0.9f), policy(false), NO_HEADS);
    assertThat(byGate.reason()).isEqualTo(Reason.GATE);
    assertThat(byGate.unknown()).isTrue();
    var byThreshold = GATE_FIRST.decide(gate(0.1f), policy(true), NO_HEADS);
    assertThat(byThreshold.reason()).isEqualTo(Reason.THRESHOLD);
    assertThat(byThreshold.unknown()).isTrue();
    var byClass = GATE_FIRST.decide(gate(0.1f), policy(false), NO_HEADS);
    assertThat(byClass.reason()).isEqualTo(Reason.CLASS);
    assertThat(byClass.unknown()).isFalse();
    // a score equal to the threshold is accepted (rejected = score > threshold)
    assertThat(GATE_FIRST.decide(gate(0.5f), policy(false), NO_HEADS).reason())
        .isEqualTo(Reason.CLASS);
  }

  @Test
  void theFirstRejectingStepInTheOrderIsTheReason() {
    var unknownFirst = new DecisionCascade(List.of(UNKNOWN, GATE, CLASS));
    assertThat(GATE_FIRST.decide(gate(0.9f), policy(true), NO_HEADS).reason()).isEqualTo(Reason.GATE);
    assertThat(unknownFirst.decide(gate(0.9f), policy(true), NO_HEADS).reason())
        .isEqualTo(Reason.THRESHOLD);
    assertThat(unknownFirst.decide(gate(0.9f), policy(false), NO_HEADS).reason())
        .isEqualTo(Reason.GATE);
  }

  @Test
  void theDefaultOrderIsTodaysRule() {
    var byDefault = new DecisionCascade(List.of(UNKNOWN, CLASS));
    assertThat(byDefault.decide(null, policy(true), NO_HEADS).reason()).isEqualTo(Reason.THRESHOLD);
    assertThat(byDefault.decide(null, policy(false), NO_HEADS).reason()).isEqualTo(Reason.CLASS);
    // "none of these": heads with policies, none accepting, rejects at the unknown step
    HeadUnknown[] noneAccept = {policy(true), null, policy(true)};
    var none = byDefault.decide(null, policy(false), noneAccept);
    assertThat(none.unknown()).isTrue();
    assertThat(none.reason()).isEqualTo(Reason.THRESHOLD);
    assertThat(none.headReasons()).containsExactly(Reason.THRESHOLD, null, Reason.THRESHOLD);
    HeadUnknown[] oneAccepts = {policy(true), null, policy(false)};
    var one = byDefault.decide(null, policy(false), oneAccepts);
    assertThat(one.reason()).isEqualTo(Reason.CLASS);
    assertThat(one.headReasons()).containsExactly(Reason.THRESHOLD, null, Reason.CLASS);
  }

  @Test
  void headReasonsFollowTheOrderWithTheHeadsOwnPolicy() {
    HeadUnknown[] own = {policy(false), policy(true)};
    var gated = GATE_FIRST.decide(gate(0.9f), policy(false), own);
    assertThat(gated.headReasons()).containsExactly(Reason.GATE, Reason.GATE);
    var passed = GATE_FIRST.decide(gate(0.1f), policy(false), own);
    assertThat(passed.headReasons()).containsExactly(Reason.CLASS, Reason.THRESHOLD);
    assertThat(passed.reason()).isEqualTo(Reason.CLASS);
    // the top-level policy rejects the item; the head that accepted keeps its own answer
    var top = GATE_FIRST.decide(gate(0.1f), policy(true), own);
    assertThat(top.reason()).isEqualTo(Reason.THRESHOLD);
    assertThat(top.headReasons()).containsExactly(Reason.CLASS, Reason.THRESHOLD);
  }

  @Test
  void anOrderNotEndingWithClassIsRefused() {
    assertThatThrownBy(() -> new DecisionCascade(List.of(CLASS, GATE)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
