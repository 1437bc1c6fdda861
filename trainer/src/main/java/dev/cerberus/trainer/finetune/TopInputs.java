package dev.cerberus.trainer.finetune;

import dev.cerberus.trainer.features.TokenStates;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The cached trunk outputs of every set of a run, by set name (the run's names: {@code train},
 * {@code val}, {@code test}, {@code outliers-train}, {@code outliers-val}, OOD sets). Tops are
 * fine-tuned on {@link #TRAIN} (+ {@link #OUTLIERS_TRAIN}), validated on {@link #VAL} (+
 * {@link #OUTLIERS_VAL}), and give pooled features for every set. The four role names are
 * reserved for their roles: key evaluation OOD sets distinctly (e.g. {@code "ood:" + name}), so
 * an OOD set a config calls "val" is never taken for the validation set.
 */
public record TopInputs(Map<String, TrunkOutputs> sets) {

  public static final String TRAIN = "train";
  public static final String VAL = "val";
  public static final String OUTLIERS_TRAIN = "outliers-train";
  public static final String OUTLIERS_VAL = "outliers-val";

  public TopInputs {
    sets = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(sets));
    if (!sets.containsKey(TRAIN) || sets.get(TRAIN).size() == 0) {
      throw new IllegalArgumentException("TopInputs: a non-empty '" + TRAIN + "' set is required");
    }
    TrunkOutputs t = sets.get(TRAIN);
    for (var e : sets.entrySet()) {
      if (e.getValue().getClass() != t.getClass()) {
        throw new IllegalArgumentException("TopInputs: set '" + e.getKey()
            + "' holds another kind of trunk output than 'train'");
      }
    }
  }

  /** Image sets: flattened {@code C*h*w} trunk rows per set (the feature cache's rows). */
  public static TopInputs images(long[] mapShape, Map<String, float[][]> rows) {
    Map<String, TrunkOutputs> m = new LinkedHashMap<>();
    rows.forEach((k, v) -> m.put(k, new TrunkOutputs.ImageMaps(mapShape, v)));
    return new TopInputs(m);
  }

  /** Text sets: the token states {@link dev.cerberus.trainer.features.TextTrunkCache} made. */
  public static TopInputs text(Map<String, TokenStates> states) {
    Map<String, TrunkOutputs> m = new LinkedHashMap<>();
    states.forEach((k, v) -> m.put(k, new TrunkOutputs.TextStates(v)));
    return new TopInputs(m);
  }

  public TrunkOutputs train() {
    return sets.get(TRAIN);
  }

  /** A set, or null when the run has none of that name. */
  public TrunkOutputs get(String name) {
    return sets.get(name);
  }

  /** Number of rows of a set; 0 when absent. */
  int size(String name) {
    TrunkOutputs s = sets.get(name);
    return s == null ? 0 : s.size();
  }
}
