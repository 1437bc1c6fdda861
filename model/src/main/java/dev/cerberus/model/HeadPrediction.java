package dev.cerberus.model;

import java.util.List;

/**
 * One head's answer for one item.
 *
 * @param head head name from the bundle
 * @param label the most probable label
 * @param labels all labels, in the head's order
 * @param probabilities one per label, same order (binary heads: [1 - p, p])
 * @param ownUnknown the verdict of the head's own unknown policy; null when the head has none
 * @param reason for a head with its own policy, why its answer is what it is: {@code GATE}
 *     (the gate rejected the item first), {@code THRESHOLD} (its own policy rejected it) or
 *     {@code CLASS} (accepted: its label stands); null for a head without its own policy
 */
public record HeadPrediction(
    String head, String label, List<String> labels, float[] probabilities, HeadUnknown ownUnknown,
    Reason reason) {

  /** A head with its own policy, no decision order applied (reason from its verdict alone). */
  public HeadPrediction(
      String head, String label, List<String> labels, float[] probabilities, HeadUnknown ownUnknown) {
    this(head, label, labels, probabilities, ownUnknown,
        ownUnknown == null ? null : ownUnknown.unknown() ? Reason.THRESHOLD : Reason.CLASS);
  }

  /** A head without its own unknown policy. */
  public HeadPrediction(String head, String label, List<String> labels, float[] probabilities) {
    this(head, label, labels, probabilities, null);
  }

  /** True when the head carries its own unknown policy (then {@link #ownUnknown} is set). */
  public boolean hasOwnPolicy() {
    return ownUnknown != null;
  }
}
