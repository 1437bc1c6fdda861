package dev.cerberus.model;

import java.util.List;

/**
 * One head's own unknown verdict for one item (bundle {@code heads[].unknown}): did this head's
 * policy accept the item as one of its task's inputs?
 *
 * @param unknown true when the head's policy rejected the item (oodScore &gt; threshold)
 * @param oodScore the head's policy score; higher means more likely out-of-distribution
 * @param oodMethod the head's policy method name
 * @param threshold the head's threshold (0 for method {@code none})
 * @param components for a fusion policy, its members' scores in policy order; else empty
 */
public record HeadUnknown(
    boolean unknown, float oodScore, String oodMethod, float threshold,
    List<ScoreComponent> components) {

  public HeadUnknown {
    components = components == null ? List.of() : List.copyOf(components);
  }

  /** A verdict of a single-method policy (no fusion members). */
  public HeadUnknown(boolean unknown, float oodScore, String oodMethod, float threshold) {
    this(unknown, oodScore, oodMethod, threshold, List.of());
  }

  /** True when the head's policy accepted the item. */
  public boolean accepted() {
    return !unknown;
  }
}
