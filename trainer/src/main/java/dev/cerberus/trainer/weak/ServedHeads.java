package dev.cerberus.trainer.weak;

import dev.cerberus.model.heads.Activation;
import dev.cerberus.model.heads.DenseLayer;
import dev.cerberus.model.heads.HeadMath;
import dev.cerberus.trainer.train.HeadNet;
import java.util.ArrayList;
import java.util.List;

/**
 * A head as the server runs it: the exported dense layers (input standardisation folded into
 * the first) through the model module's {@link HeadMath}, on raw backbone features. Pseudo-labels
 * and agreement are computed this way so that they are what the served head would say.
 */
public final class ServedHeads {

  private ServedHeads() {}

  /** Class probabilities of one row ({@code [1 - p, p]} for a binary head). */
  public static double[] probabilities(List<DenseLayer> layers, boolean binary, float[] row) {
    float[] z = HeadMath.logits(layers, row);
    float[] p = HeadMath.probabilities(binary, z, 0, z.length);
    double[] out = new double[p.length];
    for (int k = 0; k < p.length; k++) {
      out[k] = p[k];
    }
    return out;
  }

  /** Per row the probabilities, or null where {@code rows[i]} is false (not needed). */
  public static double[][] probabilities(List<DenseLayer> layers, boolean binary,
      float[][] features, boolean[] rows) {
    double[][] out = new double[features.length][];
    for (int i = 0; i < features.length; i++) {
      if (rows == null || rows[i]) {
        out[i] = probabilities(layers, binary, features[i]);
      }
    }
    return out;
  }

  /** The served label index per row: logit > 0 for binary, argmax for multiclass. */
  public static int[] predictions(List<DenseLayer> layers, boolean binary, float[][] features) {
    int[] out = new int[features.length];
    for (int i = 0; i < features.length; i++) {
      float[] z = HeadMath.logits(layers, features[i]);
      out[i] = binary ? (z[0] > 0 ? 1 : 0) : HeadMath.argmax(z);
    }
    return out;
  }

  /**
   * A trained net as served: float layers with the head's input standardisation folded in,
   * ReLU between layers (what TrainingRun writes into the bundle).
   */
  public static List<DenseLayer> export(HeadNet net, double[] mean, double[] std) {
    List<float[][]> exported = net.exportFolded(mean, std);
    List<DenseLayer> out = new ArrayList<>();
    for (int l = 0; l < exported.size(); l++) {
      float[] w = exported.get(l)[0];
      float[] b = exported.get(l)[1];
      out.add(new DenseLayer(b.length, w.length / b.length, w, b,
          l < exported.size() - 1 ? Activation.RELU : Activation.NONE));
    }
    return out;
  }
}
