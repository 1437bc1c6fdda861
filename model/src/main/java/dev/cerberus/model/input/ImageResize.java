package dev.cerberus.model.input;

/**
 * Resizing exactly as docs/bundle.md says: stretch to the target size, sample centres at
 * half pixels, no antialiasing. Bilinear equals PyTorch's
 * {@code F.interpolate(mode="bilinear", align_corners=False, antialias=False)} (same float
 * arithmetic: source = max(0, (dst + 0.5) * in / out - 0.5)); nearest equals
 * {@code mode="nearest-exact"}.
 */
public final class ImageResize {

  private ImageResize() {}

  /** Resizes each plane of {@code src} [c, h, w] to [c, oh, ow]. */
  public static float[] bilinear(float[] src, int c, int h, int w, int oh, int ow) {
    if (h == oh && w == ow) return src;
    int[] y0 = new int[oh];
    int[] y1 = new int[oh];
    float[] ly = new float[oh];
    axis(h, oh, y0, y1, ly);
    int[] x0 = new int[ow];
    int[] x1 = new int[ow];
    float[] lx = new float[ow];
    axis(w, ow, x0, x1, lx);
    float[] out = new float[c * oh * ow];
    for (int ch = 0; ch < c; ch++) {
      int s = ch * h * w;
      int d = ch * oh * ow;
      for (int y = 0; y < oh; y++) {
        int r0 = s + y0[y] * w;
        int r1 = s + y1[y] * w;
        float wy1 = ly[y];
        float wy0 = 1f - wy1;
        for (int x = 0; x < ow; x++) {
          float wx1 = lx[x];
          float wx0 = 1f - wx1;
          out[d + y * ow + x] =
              wy0 * (wx0 * src[r0 + x0[x]] + wx1 * src[r0 + x1[x]])
                  + wy1 * (wx0 * src[r1 + x0[x]] + wx1 * src[r1 + x1[x]]);
        }
      }
    }
    return out;
  }

  private static void axis(int in, int out, int[] i0, int[] i1, float[] lambda) {
    float scale = (float) in / out;
    for (int o = 0; o < out; o++) {
      float real = scale * (o + 0.5f) - 0.5f;
      if (real < 0) real = 0;
      int lo = (int) real;
      i0[o] = lo;
      i1[o] = lo < in - 1 ? lo + 1 : lo;
      lambda[o] = real - lo;
    }
  }

  /** Nearest neighbour with half-pixel centres: source = min(floor((dst + 0.5) * in / out), in - 1). */
  public static float[] nearest(float[] src, int c, int h, int w, int oh, int ow) {
    if (h == oh && w == ow) return src;
    int[] ys = new int[oh];
    int[] xs = new int[ow];
    float sy = (float) h / oh;
    float sx = (float) w / ow;
    for (int y = 0; y < oh; y++) ys[y] = Math.min((int) Math.floor((y + 0.5f) * sy), h - 1);
    for (int x = 0; x < ow; x++) xs[x] = Math.min((int) Math.floor((x + 0.5f) * sx), w - 1);
    float[] out = new float[c * oh * ow];
    for (int ch = 0; ch < c; ch++) {
      for (int y = 0; y < oh; y++) {
        int r = ch * h * w + ys[y] * w;
        int d = ch * oh * ow + y * ow;
        for (int x = 0; x < ow; x++) out[d + x] = src[r + xs[x]];
      }
    }
    return out;
  }
}
