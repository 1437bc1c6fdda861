package dev.cerberus.trainer.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FeatureSetsTest {

  @Test
  void setsComeInCanonicalOrderAndOnlyHeldOutSetsAreScored() {
    FeatureSets s = StageFixtures.sets();
    assertThat(s.all()).extracting(f -> f.id().name())
        .containsExactly("train", "val", "test", "outliers-train", "outliers-val", "far");
    assertThat(s.heldOut()).extracting(f -> f.id().name())
        .containsExactly("val", "test", "outliers-val", "far");
    assertThat(s.ood()).extracting(FeatureSet::id).containsExactly(SetId.ood("far"));
    assertThat(s.fixedSizes()).containsExactly(Map.entry("train", 90), Map.entry("val", 36),
        Map.entry("test", 36), Map.entry("outliers-train", 30), Map.entry("outliers-val", 8));
  }

  @Test
  void anOodSetNamedLikeARoleIsNotThatRole() {
    FeatureSets base = StageFixtures.sets();
    Map<SetRole, FeatureSet> fixed = new EnumMap<>(SetRole.class);
    for (SetRole r : List.of(SetRole.TRAIN, SetRole.VAL, SetRole.TEST, SetRole.OUTLIERS_TRAIN,
        SetRole.OUTLIERS_VAL)) {
      fixed.put(r, base.get(r));
    }
    FeatureSet val = StageFixtures.unlabelled(SetId.ood("val"), 3, 0, 0, 9);
    FeatureSets s = FeatureSets.of(fixed, List.of(val));
    assertThat(s.get(SetRole.VAL).size()).isEqualTo(36);
    assertThat(s.get(SetId.ood("val")).size()).isEqualTo(3);
    assertThatThrownBy(() -> new SetId(SetRole.VAL, "other"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SetId.of(SetRole.OOD_EVAL))
        .hasMessageContaining("needs a name");
  }

  @Test
  void aMissingRoleIsRefused() {
    assertThatThrownBy(() -> new FeatureSets(Map.of()))
        .hasMessageContaining("no train set");
  }

  @Test
  void mapReplacesRowsAndKeepsSamples() {
    FeatureSets s = StageFixtures.sets();
    FeatureSets doubled = s.map(rows -> {
      float[][] out = new float[rows.length][];
      for (int i = 0; i < rows.length; i++) {
        out[i] = new float[] {rows[i][0] * 2, rows[i][1] * 2};
      }
      return out;
    });
    assertThat(doubled.get(SetRole.TEST).samples()).isEqualTo(s.get(SetRole.TEST).samples());
    assertThat(doubled.get(SetRole.TEST).features()[5][1])
        .isEqualTo(s.get(SetRole.TEST).features()[5][1] * 2);
    assertThatThrownBy(() -> s.get(SetRole.TEST).withFeatures(new float[1][]))
        .hasMessageContaining("36 samples but 1 feature rows");
  }

  @Test
  void headFeaturesAreSharedUntilAHeadGetsItsOwn() {
    FeatureSets shared = StageFixtures.sets();
    HeadFeatures hf = HeadFeatures.shared(List.of("colour", "size", "gate"), shared);
    assertThat(hf.of("size")).isSameAs(shared);
    FeatureSets own = shared.map(rows -> rows.clone());
    HeadFeatures next = hf.withHead("size", own);
    assertThat(next.of("size")).isSameAs(own);
    assertThat(next.of("colour")).isSameAs(shared);
    assertThat(next.of(2)).isSameAs(shared);
    assertThat(hf.of("size")).isSameAs(shared); // immutable: the old value is unchanged
    // rows of other samples (here: a shorter test set) cannot stand in for a head's rows
    Map<SetId, FeatureSet> other = new java.util.LinkedHashMap<>(shared.sets());
    other.put(SetId.of(SetRole.TEST), StageFixtures.labelled(SetId.of(SetRole.TEST), 2, 3));
    assertThatThrownBy(() -> hf.withHead("size", new FeatureSets(other)))
        .hasMessageContaining("set test does not hold the same samples");
    assertThatThrownBy(() -> hf.of("shape")).hasMessageContaining("no head 'shape'");
  }
}
