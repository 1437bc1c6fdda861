package dev.cerberus.model.input;

import java.awt.image.BufferedImage;

/**
 * Resizing exactly as docs/bundle.md says: stretch to the target size, sample centres at
 * half pixels, no antialiasing. Bilinear equals PyTorch's
 * {@code F.interpolate(mode="bilinear", align_corners=False, antialias=False)} (same float
 * arithmetic: source = max(0, (dst + 0.5) * in / out - 0.5)); nearest equals
 * {@code mode="nearest-exact"}.
 */
public final class ImageResize {

  private ImageResize() {}

  /** Resizes each plane of {@code src} [c, h, w] to [c, oh, ow] (bilinear). */
  public static float[] bilinear(float[] src, int c, int h, int w, int oh, int ow) {
    if (h == oh && w == ow) return src;
    Axis ys = Axis.bilinear(h, oh);
    Axis xs = Axis.bilinear(w, ow);
    return interpolate(src, c, w, ys, xs);
  }

  /** Nearest neighbour with half-pixel centres: source = min(floor((dst + 0.5) * in / out), in - 1). */
  public static float[] nearest(float[] src, int c, int h, int w, int oh, int ow) {
    if (h == oh && w == ow) return src;
    return interpolate(src, c, w, Axis.nearest(h, oh), Axis.nearest(w, ow));
  }

  /**
   * Resizes a decoded image straight to [c, oh, ow], reading only the source rows and columns
   * the sampling touches (at most 2 per output row/column). Same values as decoding to full
   * planes and calling {@link #bilinear} / {@link #nearest}. A grey source wanted as RGB is
   * interpolated once and copied to the three planes (they are equal by definition).
   */
  public static float[] resize(BufferedImage image, int channels, int oh, int ow, boolean nearest) {
    Plan plan = Plan.of(image.getHeight(), image.getWidth(), oh, ow, nearest);
    boolean onePlane = channels > 1 && ImageDecoder.isGray(image);
    float[] compact = ImageDecoder.gather(image, onePlane ? 1 : channels, plan.rows(), plan.cols());
    float[] out = new float[channels * oh * ow];
    interpolate(compact, onePlane ? 1 : channels, plan.cols().length, plan.ys(), plan.xs(), out);
    if (onePlane) {
      for (int c = 1; c < channels; c++) System.arraycopy(out, 0, out, c * oh * ow, oh * ow);
    }
    return out;
  }

  /**
   * The sampling of one source size to one target size. Every image of a model's traffic
   * usually has the same size, so the last plan is kept (immutable, so sharing it between
   * the preprocessing threads needs no lock).
   */
  private record Plan(int h, int w, int oh, int ow, boolean nearest, int[] rows, int[] cols, Axis ys, Axis xs) {

    private static volatile Plan last;

    static Plan of(int h, int w, int oh, int ow, boolean nearest) {
      Plan p = last;
      if (p != null && p.h == h && p.w == w && p.oh == oh && p.ow == ow && p.nearest == nearest) return p;
      Axis ys = nearest ? Axis.nearest(h, oh) : Axis.bilinear(h, oh);
      Axis xs = nearest ? Axis.nearest(w, ow) : Axis.bilinear(w, ow);
      int[] rows = ys.used();
      int[] cols = xs.used();
      p = new Plan(h, w, oh, ow, nearest, rows, cols, ys.remap(rows), xs.remap(cols));
      last = p;
      return p;
    }
  }

  /** Source index pairs and weights of one axis: out[o] = (1-l) src[i0] + l src[i1]. */
  private record Axis(int[] i0, int[] i1, float[] lambda) {

    static Axis bilinear(int in, int out) {
      int[] i0 = new int[out];
      int[] i1 = new int[out];
      float[] l = new float[out];
      float scale = (float) in / out;
      for (int o = 0; o < out; o++) {
        float real = scale * (o + 0.5f) - 0.5f;
        if (real < 0) real = 0;
        int lo = (int) real;
        i0[o] = lo;
        i1[o] = lo < in - 1 ? lo + 1 : lo;
        l[o] = real - lo;
      }
      return new Axis(i0, i1, l);
    }

    static Axis nearest(int in, int out) {
      int[] i = new int[out];
      float scale = (float) in / out;
      for (int o = 0; o < out; o++) i[o] = Math.min((int) Math.floor((o + 0.5f) * scale), in - 1);
      return new Axis(i, i, new float[out]); // weight 0 on i1: exactly src[i0]
    }

    /** Sorted distinct source indices this axis reads. */
    int[] used() {
      return java.util.stream.IntStream.concat(
              java.util.Arrays.stream(i0), java.util.Arrays.stream(i1))
          .distinct()
          .sorted()
          .toArray();
    }

    /** The same axis with indices into {@code used} instead of the full source. */
    Axis remap(int[] used) {
      int[] a = new int[i0.length];
      int[] b = new int[i1.length];
      for (int o = 0; o < a.length; o++) {
        a[o] = java.util.Arrays.binarySearch(used, i0[o]);
        b[o] = java.util.Arrays.binarySearch(used, i1[o]);
      }
      return new Axis(a, b, lambda);
    }
  }

  private static float[] interpolate(float[] src, int c, int srcW, Axis ys, Axis xs) {
    float[] out = new float[c * ys.i0().length * xs.i0().length];
    interpolate(src, c, srcW, ys, xs, out);
    return out;
  }

  /**
   * Writes planes [c, oh, ow] into the start of {@code out}. Separable: each source row the
   * vertical sampling reads is interpolated horizontally once, then every output row blends two
   * such rows with contiguous loads the JIT vectorises. The arithmetic per value is the same as
   * the direct formula {@code wy0 * (wx0 a + wx1 b) + wy1 * (wx0 c + wx1 d)}, so results are
   * bit-identical; it does about a third of the gathers when the image is upscaled.
   */
  private static void interpolate(float[] src, int c, int srcW, Axis ys, Axis xs, float[] out) {
    int oh = ys.i0().length;
    int ow = xs.i0().length;
    int srcPlane = src.length / c;
    int srcH = srcPlane / srcW;
    int[] x0 = xs.i0();
    int[] x1 = xs.i1();
    float[] lx = xs.lambda();
    int[] y0 = ys.i0();
    int[] y1 = ys.i1();
    float[] ly = ys.lambda();
    float[] rows = new float[srcH * ow]; // horizontally interpolated source rows of one plane
    for (int ch = 0; ch < c; ch++) {
      int s = ch * srcPlane;
      for (int r = 0; r < srcH; r++) {
        int from = s + r * srcW;
        int to = r * ow;
        for (int x = 0; x < ow; x++) {
          float wx1 = lx[x];
          rows[to + x] = (1f - wx1) * src[from + x0[x]] + wx1 * src[from + x1[x]];
        }
      }
      int d = ch * oh * ow;
      for (int y = 0; y < oh; y++) {
        int r0 = y0[y] * ow;
        int r1 = y1[y] * ow;
        float wy1 = ly[y];
        float wy0 = 1f - wy1;
        int o = d + y * ow;
        for (int x = 0; x < ow; x++) {
          out[o + x] = wy0 * rows[r0 + x] + wy1 * rows[r1 + x];
        }
      }
    }
  }
}
