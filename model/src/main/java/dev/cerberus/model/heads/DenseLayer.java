package dev.cerberus.model.heads;

/**
 * One dense layer {@code y = act(x W^T + b)} with {@code W} [out,in] row-major, as stored in
 * a bundle. Immutable: the arrays are owned by the layer and never written after construction.
 */
public record DenseLayer(int out, int in, float[] weight, float[] bias, Activation activation) {

  public DenseLayer {
    if (weight.length != (long) out * in) {
      throw new IllegalArgumentException("weight needs " + out + "x" + in + " values");
    }
    if (bias.length != out) throw new IllegalArgumentException("bias needs " + out + " values");
  }

  /** {@code x} is [batch, in] row-major; returns [batch, out]. */
  public float[] apply(float[] x, int batch) {
    float[] y = new float[batch * out];
    for (int b = 0; b < batch; b++) {
      int xo = b * in;
      for (int o = 0; o < out; o++) {
        int wo = o * in;
        float s = 0f;
        for (int i = 0; i < in; i++) s += x[xo + i] * weight[wo + i];
        y[b * out + o] = s + bias[o];
      }
    }
    activation.applyInPlace(y, 0, y.length);
    return y;
  }
}
