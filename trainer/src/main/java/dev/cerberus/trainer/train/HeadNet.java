package dev.cerberus.trainer.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One head's dense layers in double precision for training: {@code y = x W^T + b}, ReLU between
 * layers, none after the last. AdamW state lives here too, so one object is one trainable head.
 */
public final class HeadNet {

  final int[] sizes;
  final double[][][] w; // [layer][out][in]
  final double[][] b; // [layer][out]
  private final double[][][] mw;
  private final double[][][] vw;
  private final double[][] mb;
  private final double[][] vb;
  private int step;

  /** @param sizes input width, hidden widths..., output width */
  public HeadNet(int[] sizes, Random rng) {
    this.sizes = sizes.clone();
    int layers = sizes.length - 1;
    w = new double[layers][][];
    b = new double[layers][];
    mw = new double[layers][][];
    vw = new double[layers][][];
    mb = new double[layers][];
    vb = new double[layers][];
    for (int l = 0; l < layers; l++) {
      int in = sizes[l];
      int out = sizes[l + 1];
      double bound = 1 / Math.sqrt(in); // PyTorch nn.Linear's default range
      w[l] = new double[out][in];
      b[l] = new double[out];
      for (int o = 0; o < out; o++) {
        for (int i = 0; i < in; i++) {
          w[l][o][i] = (rng.nextDouble() * 2 - 1) * bound;
        }
        b[l][o] = (rng.nextDouble() * 2 - 1) * bound;
      }
      mw[l] = new double[out][in];
      vw[l] = new double[out][in];
      mb[l] = new double[out];
      vb[l] = new double[out];
    }
  }

  public int layerCount() {
    return w.length;
  }

  public int outputs() {
    return sizes[sizes.length - 1];
  }

  /** Activations of every layer for a batch: acts[0] = input, acts[L] = logits. */
  public double[][][] forward(double[][] x) {
    double[][][] acts = new double[w.length + 1][][];
    acts[0] = x;
    for (int l = 0; l < w.length; l++) {
      double[][] in = acts[l];
      double[][] out = new double[in.length][];
      boolean relu = l < w.length - 1;
      for (int r = 0; r < in.length; r++) {
        out[r] = affine(w[l], b[l], in[r], relu);
      }
      acts[l + 1] = out;
    }
    return acts;
  }

  public double[] logits(double[] x) {
    double[] a = x;
    for (int l = 0; l < w.length; l++) {
      a = affine(w[l], b[l], a, l < w.length - 1);
    }
    return a;
  }

  private static double[] affine(double[][] w, double[] b, double[] x, boolean relu) {
    double[] y = new double[w.length];
    for (int o = 0; o < w.length; o++) {
      double[] row = w[o];
      double s = b[o];
      for (int i = 0; i < row.length; i++) {
        s += row[i] * x[i];
      }
      y[o] = relu && s < 0 ? 0 : s;
    }
    return y;
  }

  /** Gradients (same shapes as the weights) from d(loss)/d(logits), via backpropagation. */
  public Gradients backward(double[][][] acts, double[][] dLogits) {
    int layers = w.length;
    double[][][] gw = new double[layers][][];
    double[][] gb = new double[layers][];
    double[][] delta = dLogits;
    for (int l = layers - 1; l >= 0; l--) {
      int out = w[l].length;
      int in = w[l][0].length;
      gw[l] = new double[out][in];
      gb[l] = new double[out];
      double[][] x = acts[l];
      for (int r = 0; r < x.length; r++) {
        double[] d = delta[r];
        double[] xr = x[r];
        for (int o = 0; o < out; o++) {
          double g = d[o];
          if (g == 0) {
            continue;
          }
          gb[l][o] += g;
          double[] row = gw[l][o];
          for (int i = 0; i < in; i++) {
            row[i] += g * xr[i];
          }
        }
      }
      if (l > 0) {
        double[][] prev = new double[x.length][in];
        for (int r = 0; r < x.length; r++) {
          double[] d = delta[r];
          double[] p = prev[r];
          for (int o = 0; o < out; o++) {
            double g = d[o];
            if (g == 0) {
              continue;
            }
            double[] row = w[l][o];
            for (int i = 0; i < in; i++) {
              p[i] += g * row[i];
            }
          }
          double[] a = x[r]; // ReLU output of layer l-1: gradient passes where it was > 0
          for (int i = 0; i < in; i++) {
            if (a[i] <= 0) {
              p[i] = 0;
            }
          }
        }
        delta = prev;
      }
    }
    return new Gradients(gw, gb);
  }

  /** Weight and bias gradients, per layer. */
  public record Gradients(double[][][] w, double[][] b) {}

  /** One AdamW step; weight decay is decoupled and applies to weights, not biases. */
  public void adamW(Gradients g, double lr, double weightDecay) {
    step++;
    double b1 = 0.9;
    double b2 = 0.999;
    double eps = 1e-8;
    double c1 = 1 - Math.pow(b1, step);
    double c2 = 1 - Math.pow(b2, step);
    for (int l = 0; l < w.length; l++) {
      for (int o = 0; o < w[l].length; o++) {
        double[] wr = w[l][o];
        double[] gr = g.w()[l][o];
        double[] m = mw[l][o];
        double[] v = vw[l][o];
        for (int i = 0; i < wr.length; i++) {
          m[i] = b1 * m[i] + (1 - b1) * gr[i];
          v[i] = b2 * v[i] + (1 - b2) * gr[i] * gr[i];
          wr[i] -= lr * (m[i] / c1 / (Math.sqrt(v[i] / c2) + eps) + weightDecay * wr[i]);
        }
        double gb = g.b()[l][o];
        mb[l][o] = b1 * mb[l][o] + (1 - b1) * gb;
        vb[l][o] = b2 * vb[l][o] + (1 - b2) * gb * gb;
        b[l][o] -= lr * (mb[l][o] / c1 / (Math.sqrt(vb[l][o] / c2) + eps));
      }
    }
  }

  /** A deep copy of the weights (for keeping the best epoch). */
  public double[][][] copyWeights() {
    double[][][] c = new double[w.length][][];
    for (int l = 0; l < w.length; l++) {
      c[l] = new double[w[l].length][];
      for (int o = 0; o < w[l].length; o++) {
        c[l][o] = w[l][o].clone();
      }
    }
    return c;
  }

  public double[][] copyBiases() {
    double[][] c = new double[b.length][];
    for (int l = 0; l < b.length; l++) {
      c[l] = b[l].clone();
    }
    return c;
  }

  public void restore(double[][][] weights, double[][] biases) {
    for (int l = 0; l < w.length; l++) {
      for (int o = 0; o < w[l].length; o++) {
        w[l][o] = weights[l][o].clone();
      }
      b[l] = biases[l].clone();
    }
  }

  /**
   * Float layers for export, with the input standardisation {@code (x - mean) / std} folded
   * into the first layer so the served head reads raw backbone features.
   */
  public List<float[][]> exportFolded(double[] mean, double[] std) {
    List<float[][]> out = new ArrayList<>();
    for (int l = 0; l < w.length; l++) {
      int o = w[l].length;
      int in = w[l][0].length;
      float[] wf = new float[o * in];
      float[] bf = new float[o];
      for (int r = 0; r < o; r++) {
        double bias = b[l][r];
        for (int i = 0; i < in; i++) {
          double v = w[l][r][i];
          if (l == 0) {
            v /= std[i];
            bias -= v * mean[i];
          }
          wf[r * in + i] = (float) v;
        }
        bf[r] = (float) bias;
      }
      out.add(new float[][] {wf, bf});
    }
    return out;
  }
}
