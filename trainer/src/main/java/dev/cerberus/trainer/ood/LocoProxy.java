package dev.cerberus.trainer.ood;

import dev.cerberus.model.ood.OodMath;
import dev.cerberus.model.ood.OodScorer;
import dev.cerberus.model.ood.OodScorers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The pseudo near-OOD scores of {@code ood.selection: loco}: every single method refitted on
 * each {@link LocoFolds.Fold} without the held-out class (k-NN bank and Mahalanobis class
 * statistics from the other classes' training rows; a linear head without the class for max
 * softmax and energy; the gate refitted on the other classes vs the training outliers), then
 * the fold's validation rows scored: the other classes as ID, the held-out class as OOD.
 */
public final class LocoProxy {

  /** One method's scores on one fold (higher = more unknown). */
  public record FoldScores(int heldOut, double[] id, double[] ood) {}

  /**
   * What the refits read.
   *
   * @param train decision-head training rows (features)
   * @param trainLabels their labels, negative = none
   * @param val validation rows
   * @param valLabels their labels
   * @param outliers training outliers (never the held-out part the far constraint reads)
   * @param classes known classes
   * @param outlierExposure whether the decision head trains with the OE term
   * @param head refit settings of the linear heads
   */
  public record Inputs(float[][] train, int[] trainLabels, float[][] val, int[] valLabels,
      float[][] outliers, int classes, boolean outlierExposure, LinearRefit.Settings head,
      int knnK, int knnBankSize, double shrinkage, double temperature, long seed) {}

  private LocoProxy() {}

  /** Per method, its scores on every fold, in fold order. */
  public static Map<String, List<FoldScores>> score(List<String> methods, Inputs in,
      List<LocoFolds.Fold> folds) {
    Map<String, List<FoldScores>> out = new LinkedHashMap<>();
    for (String m : methods) {
      out.put(m, new ArrayList<>());
    }
    for (LocoFolds.Fold fold : folds) {
      float[][] tr = LocoFolds.rows(in.train(), fold.trainRows());
      Map<String, Function<float[], Double>> scorers = scorers(methods, in, fold, tr);
      for (String m : methods) {
        Function<float[], Double> s = scorers.get(m);
        out.get(m).add(new FoldScores(fold.heldOut(), scoreRows(s, in.val(), fold.idVal()),
            scoreRows(s, in.val(), fold.oodVal())));
      }
    }
    return out;
  }

  /** The fold's refitted scorer of each method. */
  static Map<String, Function<float[], Double>> scorers(List<String> methods, Inputs in,
      LocoFolds.Fold fold, float[][] tr) {
    int k = java.util.Arrays.stream(fold.trainLabels()).max().orElse(0) + 1;
    Map<String, Function<float[], Double>> out = new LinkedHashMap<>();
    LinearRefit.Head head = null;
    for (String m : methods) {
      if ((m.equals("max_softmax") || m.equals("energy")) && head == null) {
        LinearRefit.Settings s = in.outlierExposure() ? in.head()
            : new LinearRefit.Settings(in.head().steps(), in.head().learningRate(),
                in.head().weightDecay(), 0);
        head = LinearRefit.fit(tr, fold.trainLabels(), k, in.outliers(), s);
      }
      LinearRefit.Head h = head;
      out.put(m, switch (m) {
        case "max_softmax" -> x -> OodMath.maxSoftmax(h.logits(x));
        case "energy" -> x -> OodMath.energy(h.logits(x), in.temperature());
        case "gate" -> gate(in, tr);
        case "mahalanobis" -> {
          float[][] means = FeatureStatistics.classMeans(tr, fold.trainLabels(), k);
          float[] p = FeatureStatistics.sharedPrecision(tr, fold.trainLabels(), means,
              in.shrinkage());
          OodScorer sc = OodScorers.mahalanobis(means, p);
          yield x -> sc.score(x, null);
        }
        case "knn" -> {
          int[] rows = new int[1];
          float[] bank = FeatureStatistics.normalisedBank(tr, in.knnBankSize(), in.seed(), rows);
          OodScorer sc = OodScorers.knn(bank, rows[0], in.knnK());
          yield x -> sc.score(x, null);
        }
        default -> throw new IllegalArgumentException("ood.selection: loco cannot refit " + m);
      });
    }
    return out;
  }

  /**
   * Each method but the gate refitted on every known class with no training outliers (no
   * outlier-exposure term): how a score treats a far-OOD kind it never trained against, which
   * is what the evaluated far sets are ({@code ood.loco.far: unseen}). A gate cannot be fitted
   * without outliers, so it has no entry.
   */
  public static Map<String, Function<float[], Double>> withoutOutliers(List<String> methods,
      Inputs in) {
    List<Integer> rows = new ArrayList<>();
    for (int i = 0; i < in.trainLabels().length; i++) {
      if (in.trainLabels()[i] >= 0) {
        rows.add(i);
      }
    }
    int[] idx = rows.stream().mapToInt(Integer::intValue).toArray();
    int[] y = new int[idx.length];
    for (int i = 0; i < idx.length; i++) {
      y[i] = in.trainLabels()[idx[i]];
    }
    Inputs plain = new Inputs(in.train(), in.trainLabels(), in.val(), in.valLabels(),
        new float[0][], in.classes(), false, in.head(), in.knnK(), in.knnBankSize(),
        in.shrinkage(), in.temperature(), in.seed());
    LocoFolds.Fold all = new LocoFolds.Fold(-1, idx, y, new int[0], new int[0]);
    return scorers(methods.stream().filter(m -> !m.equals("gate")).toList(), plain, all,
        LocoFolds.rows(in.train(), idx));
  }

  /** Scores of the rows {@code x} (all of them). */
  public static double[] scoreAll(Function<float[], Double> s, float[][] x) {
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = s.apply(x[i]);
    }
    return out;
  }

  /** The gate refitted: the fold's known rows ("in") vs the training outliers ("out"). */
  private static Function<float[], Double> gate(Inputs in, float[][] tr) {
    if (in.outliers().length == 0) {
      throw new IllegalArgumentException("ood.selection: loco refits the gate on training"
          + " outliers; there are none");
    }
    float[][] x = new float[tr.length + in.outliers().length][];
    int[] y = new int[x.length];
    for (int i = 0; i < x.length; i++) {
      x[i] = i < tr.length ? tr[i] : in.outliers()[i - tr.length];
      y[i] = i < tr.length ? 0 : 1;
    }
    LinearRefit.Settings s = new LinearRefit.Settings(in.head().steps(),
        in.head().learningRate(), in.head().weightDecay(), 0);
    LinearRefit.Head g = LinearRefit.fit(x, y, 2, new float[0][], s);
    // two-way softmax = sigmoid of the difference: the served gate's one "out" logit
    return v -> {
      float[] z = g.logits(v);
      return OodMath.gate(z[1] - z[0]);
    };
  }

  private static double[] scoreRows(Function<float[], Double> s, float[][] x, int[] idx) {
    double[] out = new double[idx.length];
    for (int i = 0; i < idx.length; i++) {
      out[i] = s.apply(x[idx[i]]);
    }
    return out;
  }
}
