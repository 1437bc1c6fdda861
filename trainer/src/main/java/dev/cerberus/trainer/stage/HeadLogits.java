package dev.cerberus.trainer.stage;

import dev.cerberus.model.heads.HeadMath;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every head's logits on every set, through the model module's head math (the server's
 * arithmetic): {@code of(set)[item][head][logit]}. Head {@code h} reads its own rows,
 * {@code features.of(h)}.
 */
public record HeadLogits(Map<SetId, float[][][]> bySet) {

  public static HeadLogits of(TrainedHeads heads, HeadFeatures features) {
    Map<SetId, float[][][]> m = new LinkedHashMap<>();
    int nh = heads.layers().size();
    for (SetId id : features.ids()) {
      int n = features.samples(id).size();
      float[][][] out = new float[n][nh][];
      for (int h = 0; h < nh; h++) {
        float[][] x = features.of(h).get(id).features();
        for (int i = 0; i < n; i++) {
          out[i][h] = HeadMath.logits(heads.layers().get(h), x[i]);
        }
      }
      m.put(id, out);
    }
    return new HeadLogits(m);
  }

  public float[][][] of(SetId id) {
    return bySet.get(id);
  }

  public float[][][] of(SetRole role) {
    return bySet.get(SetId.of(role));
  }

  /** Predicted class per item of one head (binary: logit > 0). */
  public int[] predictions(SetId id, int head) {
    float[][][] z = of(id);
    int[] p = new int[z.length];
    for (int i = 0; i < p.length; i++) {
      p[i] = predict(z[i][head]);
    }
    return p;
  }

  public static int predict(float[] z) {
    return z.length == 1 ? (z[0] > 0 ? 1 : 0) : HeadMath.argmax(z);
  }
}
