package dev.cerberus.trainer.ood;

import java.util.Random;

/**
 * Outliers synthesised in feature space: {@code a x_i + (1 - a) x_j} for two in-distribution
 * rows of different classes, {@code a} uniform in [min, max]. Such points lie between the known
 * classes, where near-OOD items (a sandal between sneaker and bag, a coat between dress and
 * nothing known) land; a gate trained to call them "out" learns a tighter boundary around each
 * class than one that only ever saw far outliers (letters). Seeded: same inputs, same rows.
 */
public final class MixupOutliers {

  private MixupOutliers() {}

  /**
   * @param x feature rows
   * @param labels class per row; rows with a negative label are never mixed
   * @param count rows to make
   * @param min lowest mixing weight, in (0, 1)
   * @param max highest mixing weight, in [min, 1)
   */
  public static float[][] between(float[][] x, int[] labels, int count, double min, double max,
      long seed) {
    int labelled = 0;
    int firstClass = -1;
    boolean twoClasses = false;
    for (int y : labels) {
      if (y < 0) {
        continue;
      }
      labelled++;
      if (firstClass < 0) {
        firstClass = y;
      } else if (y != firstClass) {
        twoClasses = true;
      }
    }
    if (!twoClasses) {
      throw new IllegalArgumentException("mixup outliers need labelled rows of at least two "
          + "classes, got " + labelled + " row(s) of " + (labelled == 0 ? 0 : 1) + " class");
    }
    int[] rows = new int[labelled];
    for (int i = 0, r = 0; i < labels.length; i++) {
      if (labels[i] >= 0) {
        rows[r++] = i;
      }
    }
    Random rng = new Random(seed);
    int f = x[0].length;
    float[][] out = new float[count][];
    for (int n = 0; n < count; n++) {
      int i = rows[rng.nextInt(rows.length)];
      int j;
      do {
        j = rows[rng.nextInt(rows.length)];
      } while (labels[j] == labels[i]);
      double a = min + (max - min) * rng.nextDouble();
      float[] m = new float[f];
      for (int k = 0; k < f; k++) {
        m[k] = (float) (a * x[i][k] + (1 - a) * x[j][k]);
      }
      out[n] = m;
    }
    return out;
  }
}
