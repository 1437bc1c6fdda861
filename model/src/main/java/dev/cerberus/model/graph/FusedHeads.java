package dev.cerberus.model.graph;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cerberus.model.heads.DenseLayer;
import java.util.List;

/**
 * The heads that read one feature source. Their first layers are concatenated at load into
 * one matrix {@code W^T} [F, sum of outs], so the batch does one matrix multiply in the engine
 * and one copy back to Java; the later (small) layers of MLP heads run in Java with
 * {@link DenseLayer}, which is also the reference the trainer uses.
 */
final class FusedHeads implements AutoCloseable {

  private final int[] heads; // bundle indices of the heads of this source
  private final List<List<DenseLayer>> layers; // per entry of heads
  private final int[] offsets; // column offset of each head in the fused output
  private final int width;
  private final NDArray weightT; // [F, width], owned by the model's manager
  private final NDArray bias; // [width]

  FusedHeads(NDManager owner, int[] heads, List<List<DenseLayer>> layers) {
    this.heads = heads.clone();
    this.layers = List.copyOf(layers);
    this.offsets = new int[heads.length];
    int in = layers.get(0).get(0).in();
    int w = 0;
    for (int i = 0; i < heads.length; i++) {
      offsets[i] = w;
      w += layers.get(i).get(0).out();
    }
    this.width = w;
    float[] wt = new float[in * w];
    float[] b = new float[w];
    for (int i = 0; i < heads.length; i++) {
      DenseLayer first = layers.get(i).get(0);
      for (int o = 0; o < first.out(); o++) {
        int col = offsets[i] + o;
        for (int k = 0; k < in; k++) wt[k * w + col] = first.weight()[o * in + k];
        b[col] = first.bias()[o];
      }
    }
    this.weightT = owner.create(wt, new Shape(in, w));
    this.bias = owner.create(b, new Shape(w));
  }

  /**
   * Writes the logits of this source's heads for a batch into {@code logits[head]}
   * ([B * outputs] row-major).
   */
  void logits(NDArray features, int batch, float[][] logits) {
    // one native op chain and one copy for all first layers
    float[] fused = features.matMul(weightT).add(bias).toFloatArray();
    for (int i = 0; i < heads.length; i++) {
      List<DenseLayer> hl = layers.get(i);
      DenseLayer first = hl.get(0);
      int out = first.out();
      float[] x = new float[batch * out];
      for (int r = 0; r < batch; r++) System.arraycopy(fused, r * width + offsets[i], x, r * out, out);
      first.activation().applyInPlace(x, 0, x.length);
      for (int l = 1; l < hl.size(); l++) x = hl.get(l).apply(x, batch);
      logits[heads[i]] = x;
    }
  }

  @Override
  public void close() {
    weightT.close();
    bias.close();
  }
}
