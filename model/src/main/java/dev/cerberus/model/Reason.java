package dev.cerberus.model;

import java.util.Locale;

/**
 * Why a result is what it is: the step of the decision order (docs/bundle.md "decision") that
 * decided it. The first step in the order that rejects the item gives its reason; an item no
 * step rejects is decided by the class heads.
 */
public enum Reason {
  /** The gate head said "none of my tasks" (its positive probability was above its threshold). */
  GATE,
  /**
   * An unknown policy rejected the item: the top-level policy's score was above its threshold,
   * or, with per-head policies, no head's own policy accepted it ("none of these").
   */
  THRESHOLD,
  /** No step rejected the item: the decision is the decision head's label. */
  CLASS;

  /** The lower-case name clients print ("gate", "threshold", "class"). */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
