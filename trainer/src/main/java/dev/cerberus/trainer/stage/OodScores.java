package dev.cerberus.trainer.stage;

import dev.cerberus.trainer.ood.FittedScore;
import dev.cerberus.trainer.ood.ServedChoice;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@link OodStage}'s output: per method (config order, the fusion last, then {@code auto}: the
 * decision {@code ood.serve: auto} chose), the fitted scorer and its scores on every held-out
 * set (higher = more unknown). Training rows are never scored.
 *
 * @param choice the candidates and the choice of {@code ood.serve: auto}; null otherwise
 */
public record OodScores(Map<String, FittedScore> fitted, Map<String, Map<SetId, double[]>> scores,
    ServedChoice.Choice choice) {

  public OodScores {
    fitted = Collections.unmodifiableMap(new LinkedHashMap<>(fitted));
    scores = Collections.unmodifiableMap(new LinkedHashMap<>(scores));
  }

  /** Scores of a configured served method (no rule ran). */
  public OodScores(Map<String, FittedScore> fitted, Map<String, Map<SetId, double[]>> scores) {
    this(fitted, scores, null);
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
