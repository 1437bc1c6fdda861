package dev.cerberus.trainer.ood;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ServedChoiceTest {

  /** Scores of n items: normal with the given mean (higher = more unknown). */
  static double[] normal(int n, double mean, long seed) {
    Random r = new Random(seed);
    double[] s = new double[n];
    for (int i = 0; i < n; i++) {
      s[i] = mean + r.nextGaussian();
    }
    return s;
  }

  static ServedChoice.Candidate single(String name, double separation, long seed) {
    return ServedChoice.measure(name, List.of(name), normal(400, 0, seed),
        normal(200, separation, seed + 1), 0.95);
  }

  @Test
  void theRulePicksThePlantedBestCandidateWhereverItStands() {
    for (int planted = 0; planted < 4; planted++) {
      List<ServedChoice.Candidate> c = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        c.add(single("m" + i, i == planted ? 4.0 : 1.0 + 0.2 * i, 10 * i));
      }
      ServedChoice.Choice choice = ServedChoice.choose(c, 200, 400, 0.95);
      assertThat(choice.chosen().name()).isEqualTo("m" + planted);
      assertThat(choice.candidates()).containsExactlyElementsOf(c);
    }
  }

  @Test
  void measureIsFprAtTheTargetTprAndAuroc() {
    double[] in = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    double[] out = {0.5, 9.5, 11, 12};
    ServedChoice.Candidate k = ServedChoice.measure("x", List.of("x"), in, out, 0.9);
    // threshold accepting 90% of in = 9: 0.5 accepted, 9.5 and above rejected
    assertThat(k.fpr()).isEqualTo(0.25);
    // pairs (in, out) with out > in: 0 + 9 + 10 + 10
    assertThat(k.auroc()).isEqualTo(29 / 40.0);
  }

  @Test
  void tiesGoToHigherAurocThenFewerMembersThenCandidateOrder() {
    var a = new ServedChoice.Candidate("a", List.of("a"), 0.1, 0.90);
    var b = new ServedChoice.Candidate("b", List.of("b"), 0.1, 0.95);
    var f = new ServedChoice.Candidate("fusion(b+a)", List.of("b", "a"), 0.1, 0.95);
    var c = new ServedChoice.Candidate("c", List.of("c"), 0.1, 0.95);
    assertThat(ServedChoice.choose(List.of(a, f, b, c), 10, 10, 0.95).chosen()).isSameAs(b);
    var worse = new ServedChoice.Candidate("w", List.of("w"), 0.2, 0.99);
    assertThat(ServedChoice.choose(List.of(worse, a), 10, 10, 0.95).chosen()).isSameAs(a);
  }

  @Test
  void ensembleTiesPutTheLargerFusionFirst() {
    var a = new ServedChoice.Candidate("a", List.of("a"), 0.0, 1.0);
    var f2 = new ServedChoice.Candidate("fusion(a+b)", List.of("a", "b"), 0.0, 1.0);
    var f3 = new ServedChoice.Candidate("fusion(a+b+c)", List.of("a", "b", "c"), 0.0, 1.0);
    var better = new ServedChoice.Candidate("d", List.of("d"), 0.0, 1.0);
    assertThat(ServedChoice.choose(List.of(a, f2, f3), 1, 1, 0.95,
        ServedChoice.Ties.ENSEMBLE).chosen()).isSameAs(f3);
    assertThat(ServedChoice.choose(List.of(a, f2, f3), 1, 1, 0.95,
        ServedChoice.Ties.SIMPLER).chosen()).isSameAs(a);
    // the tie-break never overrides a lower FPR
    var worse = new ServedChoice.Candidate("fusion(x+y+z+w)", List.of("x", "y", "z", "w"), 0.1,
        1.0);
    assertThat(ServedChoice.choose(List.of(worse, better), 1, 1, 0.95,
        ServedChoice.Ties.ENSEMBLE).chosen()).isSameAs(better);
  }

  @Test
  void fusionCandidatesAreTheBestKSinglesByTheRule() {
    var a = new ServedChoice.Candidate("a", List.of("a"), 0.3, 0.9);
    var b = new ServedChoice.Candidate("b", List.of("b"), 0.1, 0.9);
    var c = new ServedChoice.Candidate("c", List.of("c"), 0.2, 0.9);
    assertThat(ServedChoice.fusionsOfBest(List.of(a, b, c)))
        .containsExactly(List.of("b", "c"), List.of("b", "c", "a"));
    assertThat(ServedChoice.fusionName(List.of("b", "c"))).isEqualTo("fusion(b+c)");
    assertThat(ServedChoice.fusionsOfBest(List.of(a))).isEmpty();
  }

  @Test
  void withTwoProxiesTheRuleComparesTheirMeans() {
    double[] in = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    ServedChoice.Candidate k = ServedChoice.measure("x", List.of("x"), in, java.util.Map.of(
        ServedChoice.OUTLIERS, new double[] {20, 21}, ServedChoice.MIXUP, new double[] {0, 20}),
        0.9);
    assertThat(k.byProxy().get(ServedChoice.OUTLIERS)).containsExactly(0.0, 1.0);
    assertThat(k.byProxy().get(ServedChoice.MIXUP)).containsExactly(0.5, 0.5);
    assertThat(k.fpr()).isEqualTo(0.25);
    assertThat(k.auroc()).isEqualTo(0.75);
  }

  @Test
  void noValidationItemsIsAnError() {
    assertThatThrownBy(() -> ServedChoice.measure("x", List.of("x"), new double[3],
        new double[0], 0.95)).hasMessageContaining("held-out training outliers");
  }
}
