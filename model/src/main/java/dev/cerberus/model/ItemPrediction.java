package dev.cerberus.model;

import java.util.ArrayList;
import java.util.List;

/**
 * The full answer for one item.
 *
 * <p>With per-head policies (docs/bundle.md, "Overall decision"), {@code unknown} is the
 * overall verdict: the top-level policy rejected the item, or no head with its own policy
 * accepted it ("none of these"); {@code oodScore}, {@code oodMethod} and {@code threshold}
 * stay the top-level policy's, and each head's own verdict is {@link HeadPrediction#ownUnknown}.
 *
 * @param decision the decision head's label, or {@link #UNKNOWN}
 * @param unknown true when the item is unknown overall
 * @param oodScore the top-level policy's score; higher means more likely out-of-distribution
 * @param oodMethod the top-level policy's method name
 * @param threshold the top-level policy's threshold: its verdict is oodScore &gt; threshold
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

  /** Names of the heads with their own policy that accepted the item, in bundle order. */
  public List<String> acceptedHeads() {
    List<String> out = new ArrayList<>();
    for (HeadPrediction h : heads) {
      if (h.hasOwnPolicy() && h.ownUnknown().accepted()) out.add(h.head());
    }
    return out;
  }
}
