package dev.cerberus.trainer.ood;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cerberus.trainer.eval.Metrics;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LocoFoldsTest {

  @Test
  void aFoldNeverSeesTheHeldOutClassInTrainingOrAsId() {
    int[] train = {0, 1, 2, 3, 0, 1, 2, 3, -1, -1, 2};
    int[] val = {3, 2, 1, 0, -1, 0};
    List<LocoFolds.Fold> folds = LocoFolds.of(train, val, 4);
    assertThat(folds).extracting(LocoFolds.Fold::heldOut).containsExactly(0, 1, 2, 3);
    for (LocoFolds.Fold f : folds) {
      int k = f.heldOut();
      for (int i = 0; i < f.trainRows().length; i++) {
        int label = train[f.trainRows()[i]];
        assertThat(label).isNotEqualTo(k).isGreaterThanOrEqualTo(0);
        // renumbered 0..K-2, order kept
        assertThat(f.trainLabels()[i]).isEqualTo(label > k ? label - 1 : label);
      }
      for (int i : f.idVal()) {
        assertThat(val[i]).isNotEqualTo(k).isGreaterThanOrEqualTo(0);
      }
      for (int i : f.oodVal()) {
        assertThat(val[i]).isEqualTo(k);
      }
      assertThat(f.idVal().length + f.oodVal().length).isEqualTo(5);
    }
  }

  @Test
  void fewerThanThreeClassesIsAnError() {
    assertThatThrownBy(() -> LocoFolds.of(new int[] {0, 1}, new int[] {0, 1}, 2))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 3");
  }

  /** Rows of class c: a unit spike on feature c, plus noise. */
  static float[][] clusters(int[] labels, int f, long seed) {
    Random r = new Random(seed);
    float[][] x = new float[labels.length][f];
    for (int i = 0; i < x.length; i++) {
      for (int j = 0; j < f; j++) {
        x[i][j] = (float) (0.15 * r.nextGaussian());
      }
      x[i][labels[i]] += 1;
    }
    return x;
  }

  static int[] labels(int perClass, int classes) {
    int[] y = new int[perClass * classes];
    for (int i = 0; i < y.length; i++) {
      y[i] = i % classes;
    }
    return y;
  }

  @Test
  void refittedScoresSeparateTheHeldOutClassBecauseTheyNeverSawIt() {
    int f = 8;
    int[] yTrain = labels(40, 4);
    int[] yVal = labels(20, 4);
    float[][] outliers = new float[30][f];
    Random r = new Random(3);
    for (float[] o : outliers) {
      for (int j = 0; j < f; j++) {
        o[j] = (float) (0.5 * r.nextGaussian());
      }
      o[f - 1] += 2; // outliers live on a feature no known class uses
    }
    var in = new LocoProxy.Inputs(clusters(yTrain, f, 1), yTrain, clusters(yVal, f, 2), yVal,
        outliers, 4, true, new LinearRefit.Settings(100, 0.01, 1e-4, 0.5), 3, 1000, 0.01, 1.0,
        7);
    List<String> methods = List.of("max_softmax", "energy", "mahalanobis", "knn", "gate");
    Map<String, List<LocoProxy.FoldScores>> s = LocoProxy.score(methods,
        in, LocoFolds.of(yTrain, yVal, 4));
    // a fit that had seen class k would score its validation rows as ID (AUROC ~ .5 or lower)
    for (String m : List.of("mahalanobis", "knn", "max_softmax")) {
      for (LocoProxy.FoldScores fs : s.get(m)) {
        assertThat(fs.id()).hasSize(60);
        assertThat(fs.ood()).hasSize(20);
        assertThat(Metrics.auroc(fs.id(), fs.ood())).as(m + " fold " + fs.heldOut())
            .isGreaterThan(0.9);
      }
    }
    assertThat(s.get("gate")).hasSize(4);
  }
}
