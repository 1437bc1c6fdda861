package dev.cerberus.trainer.ood;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocoChoiceTest {

  static final List<String> CLASSES = List.of("a", "b", "c");

  /** Three folds: ID items ~ N(0,1), held-out class ~ N(separation, 1). */
  static List<LocoProxy.FoldScores> folds(double separation, long seed) {
    List<LocoProxy.FoldScores> out = new ArrayList<>();
    for (int k = 0; k < 3; k++) {
      out.add(new LocoProxy.FoldScores(k, ServedChoiceTest.normal(300, 0, seed + 10 * k),
          ServedChoiceTest.normal(150, separation, seed + 10 * k + 1)));
    }
    return out;
  }

  static LocoChoice.Served far(double separation, long seed) {
    return new LocoChoice.Served(ServedChoiceTest.normal(400, 0, seed),
        ServedChoiceTest.normal(200, separation, seed + 1));
  }

  @Test
  void theRulePicksThePlantedBestNearCandidateWhereverItStands() {
    for (int planted = 0; planted < 4; planted++) {
      Map<String, List<LocoProxy.FoldScores>> f = new LinkedHashMap<>();
      Map<String, LocoChoice.Served> s = new LinkedHashMap<>();
      for (int i = 0; i < 4; i++) {
        f.put("m" + i, folds(i == planted ? 5.0 : 0.5 + 0.2 * i, 100 * i));
        s.put("m" + i, far(8, 100 * i + 50)); // every candidate passes the far constraint
      }
      ServedChoice.Choice c = LocoChoice.choose(f, s, CLASSES, 0.95, 0.99);
      // a fusion with weak members cannot beat the planted single on the near proxy
      assertThat(c.chosen().name()).isEqualTo("m" + planted);
      assertThat(c.rule()).isEqualTo(LocoChoice.RULE);
      // 4 singles + fusions of the best 2, 3, 4 (the planted one first)
      assertThat(c.candidates()).hasSize(7);
      assertThat(c.candidates().get(4).members()).hasSize(2).startsWith("m" + planted);
      assertThat(c.chosen().byProxy()).containsKeys(LocoChoice.NEAR, ServedChoice.OUTLIERS,
          "loco-a", "loco-b", "loco-c");
    }
  }

  @Test
  void aCandidateBelowTheFarBarIsNotServedUnlessNoneReachesIt() {
    Map<String, List<LocoProxy.FoldScores>> f = new LinkedHashMap<>();
    Map<String, LocoChoice.Served> s = new LinkedHashMap<>();
    f.put("nearOnly", folds(5, 1));
    s.put("nearOnly", far(1, 2)); // far AUROC ~ .76
    f.put("both", folds(2, 3));
    s.put("both", far(8, 4));
    ServedChoice.Choice c = LocoChoice.choose(f, s, CLASSES, 0.95, 0.99);
    assertThat(LocoChoice.far(c.chosen())).isGreaterThanOrEqualTo(0.99);
    assertThat(c.chosen().name()).isNotEqualTo("nearOnly");
    // with a bar nobody reaches, the best far AUROC decides eligibility
    s.put("both", far(1.5, 4));
    ServedChoice.Choice low = LocoChoice.choose(f, s, CLASSES, 0.95, 0.99);
    double best = low.candidates().stream().mapToDouble(LocoChoice::far).max().orElseThrow();
    assertThat(LocoChoice.far(low.chosen())).isEqualTo(best);
  }

  @Test
  void aFusionOfComplementaryScoresIsChosenWhenItIsBetterOnTheFolds() {
    // each single separates the held-out class on two of the three folds only
    Map<String, List<LocoProxy.FoldScores>> f = new LinkedHashMap<>();
    Map<String, LocoChoice.Served> s = new LinkedHashMap<>();
    for (int m = 0; m < 3; m++) {
      List<LocoProxy.FoldScores> l = new ArrayList<>();
      for (int k = 0; k < 3; k++) {
        l.add(new LocoProxy.FoldScores(k, ServedChoiceTest.normal(300, 0, 7 * m + k),
            ServedChoiceTest.normal(150, k == m ? 0 : 3, 7 * m + k + 100)));
      }
      f.put("s" + m, l);
      s.put("s" + m, far(8, m));
    }
    ServedChoice.Choice c = LocoChoice.choose(f, s, CLASSES, 0.95, 0.99);
    assertThat(c.chosen().isFusion()).isTrue();
    assertThat(c.chosen().members()).hasSize(3);
  }

  @Test
  void theUnseenFarCheckRejectsAScoreThatOnlyPassesBecauseItTrainedOnTheOutliers() {
    Map<String, List<LocoProxy.FoldScores>> f = new LinkedHashMap<>();
    Map<String, LocoChoice.Served> s = new LinkedHashMap<>();
    f.put("oe", folds(5, 1));
    f.put("feature", folds(2, 3));
    f.put("gate", folds(6, 5));
    LocoChoice.Served oeServed = far(8, 2);
    LocoChoice.Served oeUnseen = far(1, 6); // without outlier exposure: AUROC ~ .76
    s.put("oe", new LocoChoice.Served(oeServed.knownVal(), oeServed.outliersVal(),
        oeUnseen.knownVal(), oeUnseen.outliersVal()));
    LocoChoice.Served feat = far(8, 4);
    s.put("feature", new LocoChoice.Served(feat.knownVal(), feat.outliersVal(), feat.knownVal(),
        feat.outliersVal()));
    s.put("gate", far(8, 7)); // no refit without outliers: unmeasured
    ServedChoice.Choice c = LocoChoice.choose(f, s, CLASSES, 0.95, 0.99);
    var byName = new LinkedHashMap<String, ServedChoice.Candidate>();
    c.candidates().forEach(k -> byName.put(k.name(), k));
    assertThat(byName.get("gate").byProxy().get(LocoChoice.UNSEEN)).containsExactly(1, 0.5);
    assertThat(LocoChoice.far(byName.get("oe"))).isLessThan(0.9);
    assertThat(LocoChoice.far(c.chosen())).isGreaterThanOrEqualTo(0.99);
    // the near-best singles (gate, oe) and their pair have no measured unseen far behaviour
    assertThat(c.chosen().name()).isNotIn("gate", "oe", "fusion(gate+oe)");
    assertThat(LocoChoice.far(byName.get("fusion(gate+oe)"))).isLessThan(0.9);
    // without the unseen arrays the outlier-trained score passes on the served scores alone
    s.put("oe", oeServed);
    s.put("feature", feat);
    ServedChoice.Choice served = LocoChoice.choose(f, s, CLASSES, 0.95, 0.99);
    assertThat(LocoChoice.far(served.candidates().get(0))).isGreaterThanOrEqualTo(0.99);
  }
}
