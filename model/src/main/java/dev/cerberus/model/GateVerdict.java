package dev.cerberus.model;

/**
 * The gate step's verdict for one item (bundle {@code decision.gate}).
 *
 * @param head the gate head's name
 * @param score the gate head's positive ("out") probability
 * @param threshold the gate's threshold: rejected = score &gt; threshold
 */
public record GateVerdict(String head, float score, float threshold) {

  /** True when the gate said "none of my tasks". */
  public boolean rejected() {
    return score > threshold;
  }
}
