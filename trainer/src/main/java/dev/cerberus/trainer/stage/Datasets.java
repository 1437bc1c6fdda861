package dev.cerberus.trainer.stage;

import dev.cerberus.trainer.data.Sample;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every set's samples before the backbone runs, keyed by {@link SetId} in canonical order
 * (train, val, test, outliers-train, outliers-val, then the evaluation OOD sets). Outliers and
 * OOD items are samples without labels.
 *
 * @param skippedEmptyLines empty JSONL / text lines skipped while reading
 */
public record Datasets(Map<SetId, List<Sample>> sets, int skippedEmptyLines) {

  public Datasets {
    Map<SetId, List<Sample>> copy = new LinkedHashMap<>();
    sets.forEach((k, v) -> copy.put(k, List.copyOf(v)));
    sets = Collections.unmodifiableMap(copy);
  }

  public List<Sample> get(SetRole role) {
    return sets.get(SetId.of(role));
  }

  /** Evaluation OOD set sizes by name, in config order. */
  public Map<String, Integer> oodSizes() {
    Map<String, Integer> m = new LinkedHashMap<>();
    sets.forEach((k, v) -> {
      if (k.isOod()) {
        m.put(k.name(), v.size());
      }
    });
    return m;
  }
}
