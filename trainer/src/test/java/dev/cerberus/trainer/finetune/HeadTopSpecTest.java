package dev.cerberus.trainer.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cerberus.trainer.config.TrainerConfig.FineTuneSpec;
import dev.cerberus.trainer.config.TrainerConfig.HeadSpec;
import dev.cerberus.trainer.config.TrainerConfig.TopMode;
import dev.cerberus.trainer.data.Item;
import dev.cerberus.trainer.data.Sample;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeadTopSpecTest {

  static Sample s(String text, Map<String, String> labels) {
    return new Sample(new Item.Text(text, "t"), labels);
  }

  @Test
  void labelsComeFromTheHeadsTaskAndMissingOnesAreMasked() {
    HeadSpec h = new HeadSpec("is-x", "binary", "x", List.of("base", "x"), null, null, null,
        TopMode.OWN, null, null);
    List<Sample> train = List.of(s("a", Map.of("x", "x")), s("b", Map.of("y", "x")),
        s("c", Map.of("x", "base")), s("d", Map.of("x", "other")));
    FineTuneSpec backbone = new FineTuneSpec(3, null, null, null, null, null);
    HeadTopSpec spec = HeadTopSpec.of(h, backbone, train, List.of(), true);
    assertThat(spec.objective()).isInstanceOf(HeadObjective.Binary.class);
    assertThat(spec.trainLabels()).containsExactly(1, -1, 0, -1);
    assertThat(HeadTopSpec.labelled(spec.trainLabels())).containsExactly(0, 2);
    assertThat(spec.fineTune().epochs()).isEqualTo(3); // the backbone's, none of its own
    assertThat(spec.outlierExposure()).isTrue();
    assertThat(HeadTopSpec.of(h, backbone, train, List.of(), false).outlierExposure()).isFalse();
  }

  @Test
  void labelsOutsideTheObjectiveAreRefused() {
    assertThatThrownBy(() -> new HeadTopSpec("h", new HeadObjective.Binary(), new int[] {2},
        new int[0], false, new FineTuneSpec(null, null, null, null, null, null)))
        .hasMessageContaining("label index 2 outside [-1, 2)");
  }
}
