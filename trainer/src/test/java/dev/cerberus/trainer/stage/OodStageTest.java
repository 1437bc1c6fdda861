package dev.cerberus.trainer.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.cerberus.trainer.eval.Metrics;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OodStageTest {

  @TempDir static Path dir;
  static StageFixtures.Fitted fit;
  static OodScores scores;

  @BeforeAll
  static void fit() {
    fit = StageFixtures.fitted(dir);
    scores = fit.scores();
  }

  @Test
  void everyMethodIsFittedInConfigOrderWithTheFusionLast() {
    assertThat(scores.fitted().keySet())
        .containsExactly("max_softmax", "energy", "mahalanobis", "knn", "gate", "fusion");
    assertThat(scores.scores().keySet()).containsExactlyElementsOf(scores.fitted().keySet());
    assertThat(scores.fitted().get("mahalanobis").files())
        .containsKeys("ood/mahalanobis_means.npy", "ood/mahalanobis_precision.npy");
  }

  @Test
  void onlyHeldOutSetsAreScored() {
    for (var bySet : scores.scores().values()) {
      assertThat(bySet.keySet()).extracting(SetId::name)
          .containsExactly("val", "test", "outliers-val", "far");
    }
    assertThat(scores.of("knn", SetRole.TEST)).hasSize(36);
  }

  @Test
  void theFusionIsItsComponentsZScoredOnIdValidation() {
    double[] val = scores.of("fusion", SetRole.VAL);
    double mean = 0;
    for (double v : val) {
      mean += v;
    }
    assertThat(mean / val.length).isCloseTo(0.0, within(1e-9));
    // each component has unit deviation on validation; two equal-weight parts
    var parts = scores.fitted().get("fusion").policy().scores();
    assertThat(parts).extracting(p -> p.method()).containsExactly("mahalanobis", "knn");
    assertThat(parts.get(0).weight()).isEqualTo(0.5);
  }

  @Test
  void farItemsScoreAboveKnownOnes() {
    for (String m : new String[] {"mahalanobis", "knn", "fusion"}) {
      assertThat(Metrics.auroc(scores.of(m, SetRole.TEST), scores.of(m, SetId.ood("far"))))
          .as(m).isGreaterThan(0.99);
    }
  }

  @Test
  void scoresAreTheServedScorersOnTheDecisionHeadsRows() {
    FeatureSet test = fit.features().of(fit.plan().decisionIndex()).get(SetRole.TEST);
    var scorer = scores.fitted().get("mahalanobis").scorer();
    assertThat(scores.of("mahalanobis", SetRole.TEST)[7])
        .isEqualTo(scorer.score(test.features()[7], fit.logits().of(SetRole.TEST)[7]));
  }
}
