package dev.cerberus.trainer.ood;

import java.util.ArrayList;
import java.util.List;

/**
 * Leave-one-known-class-out folds ({@code ood.selection: loco}): for each known class k, the
 * training rows of the other classes (what a candidate is refitted on), the validation rows of
 * the other classes (pseudo in-distribution) and k's validation rows (pseudo near-OOD: a class
 * the refitted candidate never saw, as the evaluated near-OOD classes are never seen). Rows
 * without a label (outliers, other tasks) are in no fold's ID sets.
 */
public final class LocoFolds {

  /**
   * One fold.
   *
   * @param heldOut the known class left out
   * @param trainRows training rows of the other known classes
   * @param trainLabels their labels renumbered 0..K-2 (classes above k move down by one)
   * @param idVal validation rows of the other known classes
   * @param oodVal validation rows of class k
   */
  public record Fold(int heldOut, int[] trainRows, int[] trainLabels, int[] idVal,
      int[] oodVal) {}

  private LocoFolds() {}

  /** One fold per class with at least one training and one validation row. */
  public static List<Fold> of(int[] trainLabels, int[] valLabels, int classes) {
    if (classes < 3) {
      throw new IllegalArgumentException("ood.selection: loco needs at least 3 known classes"
          + " (a fold keeps 2 or more), got " + classes);
    }
    List<Fold> folds = new ArrayList<>();
    for (int k = 0; k < classes; k++) {
      List<Integer> tr = new ArrayList<>();
      List<Integer> id = new ArrayList<>();
      List<Integer> ood = new ArrayList<>();
      for (int i = 0; i < trainLabels.length; i++) {
        if (trainLabels[i] >= 0 && trainLabels[i] != k) {
          tr.add(i);
        }
      }
      for (int i = 0; i < valLabels.length; i++) {
        if (valLabels[i] == k) {
          ood.add(i);
        } else if (valLabels[i] >= 0) {
          id.add(i);
        }
      }
      if (ood.isEmpty() || id.isEmpty() || tr.size() == countAll(trainLabels)) {
        continue; // k has no validation or no training rows: nothing to hold out
      }
      int[] rows = ints(tr);
      int[] y = new int[rows.length];
      for (int i = 0; i < rows.length; i++) {
        int l = trainLabels[rows[i]];
        y[i] = l > k ? l - 1 : l;
      }
      folds.add(new Fold(k, rows, y, ints(id), ints(ood)));
    }
    if (folds.isEmpty()) {
      throw new IllegalArgumentException("ood.selection: loco found no class with both training"
          + " and validation rows");
    }
    return folds;
  }

  /** The given rows of {@code x}. */
  public static float[][] rows(float[][] x, int[] idx) {
    float[][] out = new float[idx.length][];
    for (int i = 0; i < idx.length; i++) {
      out[i] = x[idx[i]];
    }
    return out;
  }

  private static int countAll(int[] labels) {
    int n = 0;
    for (int l : labels) {
      n += l >= 0 ? 1 : 0;
    }
    return n;
  }

  private static int[] ints(List<Integer> l) {
    return l.stream().mapToInt(Integer::intValue).toArray();
  }
}
