package dev.cerberus.trainer.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cerberus.trainer.data.DataException;
import dev.cerberus.trainer.data.Item;
import dev.cerberus.trainer.data.Sample;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetStageTest {

  @TempDir Path dir;

  @Test
  void readsEverySetAndHoldsOutTenPercentOfTheOutliers() {
    Datasets d = DatasetStage.read(ConfigStage.plan(StageFixtures.config(dir, StageFixtures.CONFIG)),
        StageFixtures.quiet());
    assertThat(d.sets().keySet()).extracting(SetId::name)
        .containsExactly("train", "val", "test", "outliers-train", "outliers-val", "far");
    assertThat(d.get(SetRole.TRAIN)).hasSize(30);
    assertThat(d.get(SetRole.TRAIN).get(0).labels()).containsKey("colour");
    assertThat(d.get(SetRole.TRAIN).get(1).labels()).containsKey("size");
    assertThat(d.get(SetRole.OUTLIERS_TRAIN)).hasSize(18);
    assertThat(d.get(SetRole.OUTLIERS_VAL)).hasSize(2);
    assertThat(d.get(SetRole.OUTLIERS_VAL).get(0).labels()).isEmpty();
    List<String> all = new ArrayList<>();
    for (SetRole r : List.of(SetRole.OUTLIERS_TRAIN, SetRole.OUTLIERS_VAL)) {
      d.get(r).forEach(s -> all.add(((Item.Text) s.item()).text()));
    }
    assertThat(new HashSet<>(all)).hasSize(20); // disjoint and complete
    assertThat(d.oodSizes()).containsEntry("far", 20);
  }

  @Test
  void theOutlierHoldOutIsSeeded() {
    List<Item> items = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      items.add(new Item.Text("o" + i, "o:" + i));
    }
    var a = DatasetStage.holdOut(items, 0.1, 7);
    assertThat(DatasetStage.holdOut(items, 0.1, 7)).isEqualTo(a);
    assertThat(DatasetStage.holdOut(items, 0.1, 8)).isNotEqualTo(a);
    assertThat(a.get(1)).hasSize(5);
  }

  @Test
  void holdoutFractionSetsTheHeldOutShareAndTheTwoPartsAreDisjoint() {
    List<Item> items = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      items.add(new Item.Text("o" + i, "o:" + i));
    }
    var a = DatasetStage.holdOut(items, 0.2, 7);
    assertThat(a.get(1)).hasSize(10);
    assertThat(a.get(0)).hasSize(40).doesNotContainAnyElementsOf(a.get(1));
    var d = DatasetStage.read(ConfigStage.plan(StageFixtures.config(dir, StageFixtures.CONFIG
        .replace("ood:", "ood:\n  holdout_fraction: 0.25"))), StageFixtures.quiet());
    assertThat(d.get(SetRole.OUTLIERS_VAL)).hasSize(5);
    assertThat(d.get(SetRole.OUTLIERS_TRAIN)).hasSize(15);
  }

  @Test
  void aHeadWithoutLabelledTrainingSamplesFailsWhileReading() {
    var plan = ConfigStage.plan(StageFixtures.config(dir, StageFixtures.CONFIG.replace(
        "gate: {name: gate",
        "  - {name: shape, kind: binary, labels: [round, square]}\ngate: {name: gate")));
    assertThatThrownBy(() -> DatasetStage.read(plan, StageFixtures.quiet()))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("head 'shape': no labelled samples for task 'shape'");
  }

  @Test
  void samplesKeepTheirLabelsPerTask() {
    Datasets d = DatasetStage.read(ConfigStage.plan(StageFixtures.config(dir, StageFixtures.CONFIG)),
        StageFixtures.quiet());
    for (Sample s : d.get(SetRole.TEST)) {
      assertThat(s.labels()).hasSize(1);
    }
  }
}
