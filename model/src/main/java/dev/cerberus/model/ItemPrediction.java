package dev.cerberus.model;

import java.util.List;

/**
 * The full answer for one item.
 *
 * @param decision the decision head's label, or {@link #UNKNOWN}
 * @param unknown true when the unknown policy rejected the item
 * @param oodScore the policy's score; higher means more likely out-of-distribution
 * @param oodMethod the policy's method name
 * @param threshold unknown = oodScore &gt; threshold
 * @param heads every head of the bundle, in bundle order
 */
public record ItemPrediction(
    String decision,
    boolean unknown,
    float oodScore,
    String oodMethod,
    float threshold,
    List<HeadPrediction> heads) {

  public static final String UNKNOWN = "unknown";
}
