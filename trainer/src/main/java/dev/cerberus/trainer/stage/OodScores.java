package dev.cerberus.trainer.stage;

import dev.cerberus.trainer.ood.FittedScore;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@link OodStage}'s output: per method (config order, the fusion last), the fitted scorer and
 * its scores on every held-out set (higher = more unknown). Training rows are never scored.
 */
public record OodScores(Map<String, FittedScore> fitted, Map<String, Map<SetId, double[]>> scores) {

  public OodScores {
    fitted = Collections.unmodifiableMap(new LinkedHashMap<>(fitted));
    scores = Collections.unmodifiableMap(new LinkedHashMap<>(scores));
  }

  public double[] of(String method, SetId set) {
    return scores.get(method).get(set);
  }

  public double[] of(String method, SetRole role) {
    return of(method, SetId.of(role));
  }

  /** The same scores keyed by set name, for the report's charts. */
  public Map<String, Map<String, double[]>> byName() {
    Map<String, Map<String, double[]>> out = new LinkedHashMap<>();
    scores.forEach((m, bySet) -> {
      Map<String, double[]> s = new LinkedHashMap<>();
      bySet.forEach((id, v) -> s.put(id.name(), v));
      out.put(m, s);
    });
    return out;
  }
}
