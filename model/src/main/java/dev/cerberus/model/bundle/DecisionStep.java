package dev.cerberus.model.bundle;

import java.util.Locale;

/** One step of a bundle's decision order ({@code decision.order}, docs/bundle.md). */
public enum DecisionStep {
  /** The gate head: "one of my tasks or not". */
  GATE,
  /** The unknown policies: the top-level policy and "none of these" over per-head policies. */
  UNKNOWN,
  /** The class heads: the decision head's label. Always the last step. */
  CLASS;

  /** The name in bundle.json. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The step named {@code name} in bundle.json, or null. */
  public static DecisionStep fromWireName(String name) {
    for (DecisionStep s : values()) {
      if (s.wireName().equals(name)) return s;
    }
    return null;
  }
}
