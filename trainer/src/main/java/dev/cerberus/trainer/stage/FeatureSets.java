package dev.cerberus.trainer.stage;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Every set's feature rows from one feature source, keyed by {@link SetId}: the five fixed
 * roles (train, val, test, outliers-train, outliers-val) in that order, then the named
 * evaluation OOD sets in config order.
 */
public record FeatureSets(Map<SetId, FeatureSet> sets) {

  public FeatureSets {
    for (SetRole r : SetRole.values()) {
      if (r != SetRole.OOD_EVAL && !sets.containsKey(SetId.of(r))) {
        throw new IllegalArgumentException("no " + r.key() + " set");
      }
    }
    sets = Collections.unmodifiableMap(new LinkedHashMap<>(sets));
  }

  /** Builds the map in the canonical order from the fixed sets and the OOD sets. */
  public static FeatureSets of(Map<SetRole, FeatureSet> fixed, List<FeatureSet> ood) {
    Map<SetId, FeatureSet> m = new LinkedHashMap<>();
    for (SetRole r : SetRole.values()) {
      if (r != SetRole.OOD_EVAL) {
        m.put(SetId.of(r), fixed.get(r));
      }
    }
    for (FeatureSet s : ood) {
      m.put(s.id(), s);
    }
    return new FeatureSets(m);
  }

  public FeatureSet get(SetRole role) {
    return sets.get(SetId.of(role));
  }

  public FeatureSet get(SetId id) {
    return sets.get(id);
  }

  public List<FeatureSet> all() {
    return List.copyOf(sets.values());
  }

  /** The evaluation OOD sets, in config order. */
  public List<FeatureSet> ood() {
    List<FeatureSet> out = new ArrayList<>();
    for (FeatureSet s : sets.values()) {
      if (s.id().isOod()) {
        out.add(s);
      }
    }
    return out;
  }

  /** The sets that are scored (calibration, evaluation): all but the training rows. */
  public List<FeatureSet> heldOut() {
    return sets.values().stream().filter(s -> s.id().role() != SetRole.TRAIN
        && s.id().role() != SetRole.OUTLIERS_TRAIN).toList();
  }

  /** Every set with its rows replaced, same samples (e.g. the top's features of the trunk's). */
  public FeatureSets map(UnaryOperator<float[][]> rows) {
    Map<SetId, FeatureSet> m = new LinkedHashMap<>();
    sets.forEach((k, v) -> m.put(k, v.withFeatures(rows.apply(v.features()))));
    return new FeatureSets(m);
  }

  /** Set sizes by name (metrics.json's {@code sets.sizes}): the fixed roles. */
  public Map<String, Integer> fixedSizes() {
    Map<String, Integer> m = new LinkedHashMap<>();
    for (FeatureSet s : sets.values()) {
      if (!s.id().isOod()) {
        m.put(s.id().name(), s.size());
      }
    }
    return m;
  }
}
