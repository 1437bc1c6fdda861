package dev.cerberus.model.graph;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cerberus.model.heads.Activation;
import dev.cerberus.model.heads.DenseLayer;
import dev.cerberus.model.heads.HeadMath;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Not a pass/fail test: prints how long the heads take at batch 32 over 1280 features when
 * the fused first layer runs as one engine matMul versus plain Java loops. Run with
 * {@code ./mvnw -o -pl model test -Pslow -Dtest=HeadComputeMeasurement}.
 */
@Tag("slow")
class HeadComputeMeasurement {

  @Test
  void measure() {
    int batch = 32, f = 1280;
    Random rnd = new Random(1);
    float[] feats = new float[batch * f];
    for (int i = 0; i < feats.length; i++) feats[i] = rnd.nextFloat();
    for (int[] cfg : new int[][] {{1, 0}, {16, 0}, {1, 256}, {16, 256}, {1, 0}, {16, 0}, {1, 256}, {16, 256}}) {
      int heads = cfg[0], hidden = cfg[1];
      List<List<DenseLayer>> layers = new ArrayList<>();
      for (int h = 0; h < heads; h++) {
        List<DenseLayer> l = new ArrayList<>();
        if (hidden == 0) {
          l.add(dense(rnd, 4, f, Activation.NONE));
        } else {
          l.add(dense(rnd, hidden, f, Activation.RELU));
          l.add(dense(rnd, 4, hidden, Activation.NONE));
        }
        layers.add(l);
      }
      int[] idx = new int[heads];
      for (int h = 0; h < heads; h++) idx[h] = h;
      try (NDManager owner = NDManager.newBaseManager("PyTorch")) {
        FusedHeads fused = new FusedHeads(owner, idx, layers);
        NDArray x = owner.create(feats, new Shape(batch, f));
        float[][] out = new float[heads][];
        long engine = time(() -> {
          try (NDManager m = owner.newSubManager()) {
            NDArray xi = x.duplicate();
            xi.attach(m);
            fused.logits(xi, batch, out);
          }
        });
        long java = time(() -> {
          float[] copied = x.toFloatArray(); // the features must be copied out either way
          for (List<DenseLayer> l : layers) HeadMath.logits(l, copied, batch);
        });
        System.out.printf(
            "heads=%d hidden=%d batch=%d F=%d: engine fused %.3f ms, java per-head %.3f ms%n",
            heads, hidden, batch, f, engine / 1e6, java / 1e6);
      }
    }
  }

  private static DenseLayer dense(Random rnd, int out, int in, Activation a) {
    float[] w = new float[out * in];
    for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian() * 0.05f;
    return new DenseLayer(out, in, w, new float[out], a);
  }

  /** Median of 31 runs after 20 warm-up runs, in ns. */
  private static long time(Runnable r) {
    for (int i = 0; i < 20; i++) r.run();
    long[] t = new long[31];
    for (int i = 0; i < t.length; i++) {
      long s = System.nanoTime();
      r.run();
      t[i] = System.nanoTime() - s;
    }
    java.util.Arrays.sort(t);
    return t[t.length / 2];
  }
}
