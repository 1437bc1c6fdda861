package dev.cerberus.model.bundle;

import dev.cerberus.model.bundle.BundleManifest.DecisionSpec;
import dev.cerberus.model.bundle.BundleManifest.GateSpec;
import dev.cerberus.model.bundle.BundleManifest.HeadSpec;
import dev.cerberus.model.bundle.BundleManifest.UnknownPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Validates a manifest's {@code decision} section (docs/bundle.md "decision"): the order names
 * known steps once each and ends with {@code class}; every named step exists in the bundle
 * (a gate step needs {@code decision.gate} on a binary head; an explicit {@code unknown} step
 * needs an unknown policy), and every step the bundle has is named (a calibrated policy or a
 * gate that no step reads would be silently ignored). Apart from {@link BundleReader} to keep
 * that file small.
 */
final class DecisionCheck {

  private final Path manifest;

  private DecisionCheck(Path manifest) {
    this.manifest = manifest;
  }

  /** The parsed order of a validated manifest (callers after {@link #check}). */
  static List<DecisionStep> order(BundleManifest m) {
    List<DecisionStep> out = new ArrayList<>();
    for (String s : m.decision().orderOrDefault()) out.add(DecisionStep.fromWireName(s));
    return List.copyOf(out);
  }

  static void check(Path manifestFile, BundleManifest m) throws BundleException {
    new DecisionCheck(manifestFile).run(m);
  }

  private void run(BundleManifest m) throws BundleException {
    DecisionSpec d = m.decision();
    List<String> order = d.orderOrDefault();
    Set<DecisionStep> seen = EnumSet.noneOf(DecisionStep.class);
    for (String name : order) {
      DecisionStep step = DecisionStep.fromWireName(name);
      if (step == null) {
        fail("decision.order", "'" + name + "' is not a step (allowed: gate, unknown, class)");
      }
      if (!seen.add(step)) fail("decision.order", "names '" + name + "' more than once");
    }
    if (order.isEmpty() || !DecisionStep.CLASS.wireName().equals(order.get(order.size() - 1))) {
      fail("decision.order", order + " must end with 'class' (the class heads decide last)");
    }
    if (seen.contains(DecisionStep.GATE)) {
      checkGate(m, d.gate());
    } else if (d.gate() != null) {
      fail("decision.gate", "is set but decision.order " + order
          + " has no 'gate' step; add it or remove the gate");
    }
    boolean hasPolicy = !UnknownPolicy.NONE.equalsIgnoreCase(m.unknown().method())
        || m.heads().stream().anyMatch(HeadSpec::hasOwnPolicy);
    if (d.order() != null && seen.contains(DecisionStep.UNKNOWN) && !hasPolicy) {
      fail("decision.order", "names step 'unknown' but the bundle has no unknown policy"
          + " (unknown.method is none and no head has its own); remove the step or add a policy");
    }
    if (!seen.contains(DecisionStep.UNKNOWN) && hasPolicy) {
      fail("decision.order", order + " has no 'unknown' step but the bundle has an unknown"
          + " policy (unknown.method " + m.unknown().method()
          + " or heads[].unknown) that would never decide; add the step");
    }
  }

  private void checkGate(BundleManifest m, GateSpec gate) throws BundleException {
    if (gate == null) {
      fail("decision.gate", "is missing but decision.order names step 'gate'"
          + " (give {head: <binary head>, threshold: <p>})");
    }
    if (gate.head() == null) fail("decision.gate.head", "is required (a binary head)");
    int g = m.headIndex(gate.head());
    if (g < 0) fail("decision.gate.head", "names no head ('" + gate.head() + "')");
    if (!HeadSpec.BINARY.equals(m.heads().get(g).kind())) {
      fail("decision.gate.head", "'" + gate.head() + "' must be a binary head [in, out]");
    }
    if (g == Bundle.decisionHeadIndex(m)) {
      fail("decision.gate.head", "'" + gate.head() + "' is also the decision head; the gate"
          + " says whether an item is in any task, a class head says which class");
    }
    double t = gate.thresholdOrDefault();
    if (!(t >= 0 && t <= 1)) {
      fail("decision.gate.threshold", t + " must be in [0, 1] (a probability)");
    }
  }

  private void fail(String field, String problem) throws BundleException {
    throw new BundleException(manifest + ": " + field + ": " + problem);
  }
}
