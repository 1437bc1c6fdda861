package dev.cerberus.model;

/**
 * One head's own unknown verdict for one item (bundle {@code heads[].unknown}): did this head's
 * policy accept the item as one of its task's inputs?
 *
 * @param unknown true when the head's policy rejected the item (oodScore &gt; threshold)
 * @param oodScore the head's policy score; higher means more likely out-of-distribution
 * @param oodMethod the head's policy method name
 * @param threshold the head's threshold (0 for method {@code none})
 */
public record HeadUnknown(boolean unknown, float oodScore, String oodMethod, float threshold) {

  /** True when the head's policy accepted the item. */
  public boolean accepted() {
    return !unknown;
  }
}
