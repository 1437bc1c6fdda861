package dev.cerberus.server.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/** Request parts drawn from fuzz data: names near the served ones, images, tensors. */
final class FuzzValues {

  private FuzzValues() {}

  /** A served name most of the time, else a fuzzed string (empty, huge, odd characters). */
  static String pick(FuzzedDataProvider d, String[] known, int maxLength) {
    int i = d.consumeInt(0, known.length);
    return i < known.length ? known[i] : d.consumeString(maxLength);
  }

  /** A valid PNG of fuzzed size, or fuzzed bytes (which the decoder must refuse cleanly). */
  static byte[] image(FuzzedDataProvider d) {
    if (d.consumeBoolean()) return d.consumeBytes(d.consumeInt(0, 2048));
    int w = d.consumeInt(1, 64);
    int h = d.consumeInt(1, 64);
    BufferedImage img = new BufferedImage(w, h, d.consumeBoolean()
        ? BufferedImage.TYPE_INT_RGB : BufferedImage.TYPE_BYTE_GRAY);
    img.setRGB(0, 0, d.consumeInt());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, d.consumeBoolean() ? "png" : "jpeg", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byte[] b = out.toByteArray();
    // sometimes cut or flip a byte of a valid file: the decoder's error paths
    if (d.consumeBoolean() && b.length > 0) {
      int at = d.consumeInt(0, b.length - 1);
      if (d.consumeBoolean()) return java.util.Arrays.copyOf(b, at);
      b[at] ^= d.consumeByte();
    }
    return b;
  }

  static long[] shape(FuzzedDataProvider d) {
    long[] s = new long[d.consumeInt(0, 3)];
    for (int i = 0; i < s.length; i++) s[i] = d.consumeBoolean() ? 4 : d.consumeLong(-2, 1L << 40);
    return s;
  }

  /** Float values including NaN, infinities and subnormals (consumeFloat yields them). */
  static float[] floats(FuzzedDataProvider d) {
    float[] v = new float[d.consumeBoolean() ? 4 : d.consumeInt(0, 64)];
    for (int i = 0; i < v.length; i++) v[i] = d.consumeBoolean() ? d.consumeFloat() : d.consumeRegularFloat(-3, 3);
    return v;
  }
}
