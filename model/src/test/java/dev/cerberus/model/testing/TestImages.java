package dev.cerberus.model.testing;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/** Images built from the integer formulas of make_fixtures.py, encoded losslessly as PNG. */
public final class TestImages {

  /** value(c, y, x) in 0..255. */
  @FunctionalInterface
  public interface Formula {
    int value(int c, int y, int x);
  }

  /** The formulas of expected.json "image_inputs", in order. */
  public static final Formula[] IMAGE_INPUTS = {
    (c, y, x) -> (3 * x + 7 * y + 40 * c) % 256,
    (c, y, x) -> (x * x + y * y + 90 * c) % 256,
    (c, y, x) -> (((x / 4 + y / 4) % 2 == 0 ? 200 : 30) + 10 * c * (x > y ? 1 : 0)) % 256,
  };

  /** The formula of expected.json "resize". */
  public static final Formula RESIZE = (c, y, x) -> (5 * x + 11 * y + 60 * c) % 256;

  private TestImages() {}

  public static BufferedImage rgb(Formula f, int h, int w) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, (f.value(0, y, x) << 16) | (f.value(1, y, x) << 8) | f.value(2, y, x));
      }
    }
    return img;
  }

  /** Planes [3,h,w] of the formula as floats 0..255. */
  public static float[] planes(Formula f, int h, int w) {
    float[] out = new float[3 * h * w];
    for (int c = 0; c < 3; c++)
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) out[(c * h + y) * w + x] = f.value(c, y, x);
    return out;
  }

  public static byte[] encode(BufferedImage img, String format) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      if (!ImageIO.write(img, format, out)) throw new IllegalStateException("no writer " + format);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static byte[] png(Formula f, int h, int w) {
    return encode(rgb(f, h, w), "png");
  }
}
