package dev.cerberus.trainer.stage;

import dev.cerberus.trainer.data.Item;
import dev.cerberus.trainer.finetune.TopInputs;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Between the run's sets ({@link SetId}) and the string keys of {@link TopInputs}: the role
 * sets keep their role keys ({@code train}, {@code val}, {@code outliers-train}, ...), which are
 * the names TopInputs reserves for those roles; an evaluation OOD set is keyed
 * {@code "ood:" + name}, so an OOD set a config calls "val" can never be taken for the
 * validation set the tops are validated on.
 */
final class TrunkSets {

  static final String OOD_PREFIX = "ood:";

  private TrunkSets() {}

  static String key(SetId id) {
    return id.isOod() ? OOD_PREFIX + id.name() : id.role().key();
  }

  /** Every set's rows (image trunk maps, flattened), by TopInputs key, in set order. */
  static Map<String, float[][]> rows(FeatureSets sets) {
    Map<String, float[][]> m = new LinkedHashMap<>();
    for (FeatureSet s : sets.all()) m.put(key(s.id()), s.features());
    return m;
  }

  /** Every set's texts, by TopInputs key, in row order. */
  static Map<String, List<String>> texts(FeatureSets sets) {
    Map<String, List<String>> m = new LinkedHashMap<>();
    for (FeatureSet s : sets.all()) {
      m.put(key(s.id()), s.samples().stream().map(x -> ((Item.Text) x.item()).text()).toList());
    }
    return m;
  }

  /** The same samples with the top's pooled features (by TopInputs key) as their rows. */
  static FeatureSets withFeatures(FeatureSets sets, Map<String, float[][]> byKey) {
    Map<SetId, FeatureSet> out = new LinkedHashMap<>();
    for (FeatureSet s : sets.all()) {
      float[][] rows = byKey.get(key(s.id()));
      if (rows == null) throw new IllegalStateException("no top features for set " + s.id());
      out.put(s.id(), s.withFeatures(rows));
    }
    return new FeatureSets(out);
  }
}
