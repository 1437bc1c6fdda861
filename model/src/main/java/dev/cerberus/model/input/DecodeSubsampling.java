package dev.cerberus.model.input;

import javax.imageio.ImageReadParam;

/**
 * How much a large image is subsampled while it is decoded, so that decoding a huge image costs
 * memory in proportion to the model's input size, not to the declared size.
 *
 * <p>Rule: the period {@code s} is the largest integer that keeps at least {@link #KEEP} times
 * the target size on both axes ({@code s = floor(min(w / tw, h / th) / KEEP)}); below 2 the
 * image is decoded in full, so every image up to {@code 2 * KEEP} times the target size per
 * axis is served exactly as before. The kept pixels are the centres of their s x s cells
 * (offset {@code (s - 1) / 2}), so the resize's half-pixel sample positions land where they
 * would on the full image and the result differs from full decode + resize only by which
 * neighbouring source pixels are blended (the resize never antialiases anyway). The trainer
 * decodes through the same code, so served and trained inputs stay identical.
 *
 * @param period keep every period-th row and column; 1 = full decode
 * @param offset index of the first kept row and column
 */
public record DecodeSubsampling(int period, int offset) {

  /** The decoded image keeps at least this many times the target size per axis. */
  public static final int KEEP = 2;

  public static final DecodeSubsampling NONE = new DecodeSubsampling(1, 0);

  /**
   * @param width stored width (before EXIF orientation)
   * @param height stored height
   * @param targetHeight displayed target height; 0 = no target (full decode)
   * @param targetWidth displayed target width
   * @param transposed the EXIF orientation swaps the axes (5-8)
   */
  public static DecodeSubsampling forTarget(
      int width, int height, int targetHeight, int targetWidth, boolean transposed) {
    if (targetHeight <= 0 || targetWidth <= 0) return NONE;
    int tw = transposed ? targetHeight : targetWidth;
    int th = transposed ? targetWidth : targetHeight;
    long s = Math.min((long) width / ((long) tw * KEEP), (long) height / ((long) th * KEEP));
    return s < 2 ? NONE : new DecodeSubsampling((int) s, (int) ((s - 1) / 2));
  }

  void applyTo(ImageReadParam param) {
    if (period > 1) param.setSourceSubsampling(period, period, offset, offset);
  }
}
