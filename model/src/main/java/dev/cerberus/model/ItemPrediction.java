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
 * @param reason the step of the decision order that decided the item
 * @param gate the gate step's verdict; null when the bundle has no gate step
 * @param components for a top-level fusion policy, its members' scores (their contributions
 *     sum to {@code oodScore}); else empty
 */
public record ItemPrediction(
    String decision,
    boolean unknown,
    float oodScore,
    String oodMethod,
    float threshold,
    List<HeadPrediction> heads,
    Reason reason,
    GateVerdict gate,
    List<ScoreComponent> components) {

  public static final String UNKNOWN = "unknown";

  public ItemPrediction {
    components = components == null ? List.of() : List.copyOf(components);
  }

  /** A prediction of the default order (unknown policy, then class), without fusion members. */
  public ItemPrediction(
      String decision, boolean unknown, float oodScore, String oodMethod, float threshold,
      List<HeadPrediction> heads) {
    this(decision, unknown, oodScore, oodMethod, threshold, heads,
        unknown ? Reason.THRESHOLD : Reason.CLASS, null, List.of());
  }

  /** Names of the heads with their own policy that accepted the item, in bundle order. */
  public List<String> acceptedHeads() {
    List<String> out = new ArrayList<>();
    for (HeadPrediction h : heads) {
      if (h.hasOwnPolicy() && h.ownUnknown().accepted()) out.add(h.head());
    }
    return out;
  }
}
