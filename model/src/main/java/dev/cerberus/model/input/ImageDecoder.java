package dev.cerberus.model.input;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes PNG or JPEG bytes into float pixel planes (0..255) with javax.imageio. The size is
 * read from the header first, so an image that declares more pixels than allowed is refused
 * before any pixel memory is allocated. Truncated files are refused rather than served with
 * a grey tail (the JPEG reader only warns about them, so warnings are treated as errors).
 * The EXIF orientation (JPEG APP1, PNG eXIf) is applied to the decoded pixels ({@link ExifOrientation}).
 */
public final class ImageDecoder {

  private static final Set<String> FORMATS = Set.of("png", "jpeg");

  /** Decoded pixels: {@code channels} planes of height x width, values 0..255. */
  public record Planes(int channels, int height, int width, float[] data) {}

  private ImageDecoder() {}

  /**
   * @param channels 3: R,G,B planes (grayscale replicated); 1: ITU-R 601 luma
   */
  public static Planes decode(byte[] bytes, int channels, InputLimits limits)
      throws InputRejectedException {
    return toPlanes(read(bytes, limits), channels);
  }

  /**
   * Decodes to a {@link BufferedImage} after the header checks; {@link ImageResize#resize}
   * then reads only the rows and columns the resize samples.
   */
  public static BufferedImage read(byte[] bytes, InputLimits limits)
      throws InputRejectedException {
    return read(bytes, limits, 0, 0);
  }

  /**
   * Like {@link #read(byte[], InputLimits)}, but an image much larger than the target
   * {@code targetHeight} x {@code targetWidth} (as displayed, after EXIF orientation) is decoded
   * subsampled ({@link DecodeSubsampling}): the decoder still walks the compressed data, but
   * only every s-th row and column is stored, so a 36 Mpx image costs a small raster instead
   * of a 144 MB one. 0 as a target size means no subsampling.
   */
  public static BufferedImage read(byte[] bytes, InputLimits limits, int targetHeight, int targetWidth)
      throws InputRejectedException {
    if (bytes == null || bytes.length == 0) {
      throw InputRejectedException.invalid("image is empty; send PNG or JPEG bytes");
    }
    if (bytes.length > limits.maxImageBytes()) {
      throw InputRejectedException.invalid(
          "image is " + bytes.length + " bytes, the limit is " + limits.maxImageBytes()
              + " (cerberus.limits.max-image-bytes)");
    }
    // a memory-backed stream: ImageIO.createImageInputStream would cache through temp files
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      ImageReader reader = null;
      while (readers.hasNext() && reader == null) {
        ImageReader r = readers.next();
        if (FORMATS.contains(r.getFormatName().toLowerCase(Locale.ROOT))) reader = r;
      }
      if (reader == null) {
        throw InputRejectedException.invalid(
            "image is not PNG or JPEG (" + bytes.length + " bytes starting "
                + hexPrefix(bytes) + "); allowed formats: PNG, JPEG");
      }
      try {
        reader.setInput(in, true, true);
        int w = reader.getWidth(0);
        int h = reader.getHeight(0);
        long pixels = (long) w * h;
        if (w <= 0 || h <= 0) {
          throw InputRejectedException.invalid("image declares an empty size " + w + "x" + h);
        }
        if (pixels > limits.maxImagePixels()) {
          // INVALID_ARGUMENT like every other size limit: the same item can never succeed, and
          // RESOURCE_EXHAUSTED would invite a client to retry it unchanged
          throw InputRejectedException.invalid(
              "image declares " + w + "x" + h + " = " + pixels + " pixels, the limit is "
                  + limits.maxImagePixels() + " (cerberus.limits.max-image-pixels)");
        }
        String[] warning = new String[1];
        reader.addIIOReadWarningListener(
            (IIOReadWarningListener) (src, msg) -> {
              if (warning[0] == null) warning[0] = msg;
            });
        // the EXIF orientation says how a viewer shows the image (phones store sideways
        // pixels); orient before resize so server and trainer see the upright image
        boolean jpeg = "jpeg".equals(reader.getFormatName().toLowerCase(Locale.ROOT));
        int orientation = jpeg ? ExifOrientation.ofJpeg(bytes) : ExifOrientation.ofPng(bytes);
        javax.imageio.ImageReadParam param = reader.getDefaultReadParam();
        DecodeSubsampling.forTarget(w, h, targetHeight, targetWidth, orientation >= 5).applyTo(param);
        BufferedImage image = reader.read(0, param);
        if (warning[0] != null) {
          throw InputRejectedException.invalid(
              "image is corrupt or truncated (" + reader.getFormatName() + ": " + warning[0] + ")");
        }
        return ExifOrientation.apply(image, orientation);
      } finally {
        reader.dispose();
      }
    } catch (InputRejectedException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      // decoders signal malformed data with IIOException, EOFException and also runtime
      // exceptions (index out of bounds on bad chunk lengths); the client gets the decoder's
      // words, never a Java class name
      throw InputRejectedException.invalid("image is corrupt or truncated"
          + (e.getMessage() == null || e.getMessage().isBlank() ? "" : ": " + e.getMessage()));
    }
  }

  private static String hexPrefix(byte[] b) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < Math.min(8, b.length); i++) s.append(String.format("%02x", b[i]));
    return s.toString();
  }

  static Planes toPlanes(BufferedImage image, int channels) {
    int w = image.getWidth();
    int h = image.getHeight();
    int n = w * h;
    float[] out = new float[channels * n];
    RowReader rows = new RowReader(image, channels);
    float[] row = new float[channels * w];
    for (int y = 0; y < h; y++) {
      rows.read(y, row);
      for (int c = 0; c < channels; c++) System.arraycopy(row, c * w, out, c * n + y * w, w);
    }
    return new Planes(channels, h, w, out);
  }

  /**
   * Only the given source rows and columns, as planes [channels, rows.length, cols.length]:
   * a resize without antialiasing never reads more, so a large photo costs no full float copy.
   */
  static float[] gather(BufferedImage image, int channels, int[] rows, int[] cols) {
    int w = image.getWidth();
    RowReader reader = new RowReader(image, channels);
    float[] row = new float[channels * w];
    int plane = rows.length * cols.length;
    float[] out = new float[channels * plane];
    for (int r = 0; r < rows.length; r++) {
      reader.read(rows[r], row);
      for (int c = 0; c < channels; c++) {
        int dst = c * plane + r * cols.length;
        int src = c * w;
        for (int k = 0; k < cols.length; k++) out[dst + k] = row[src + cols[k]];
      }
    }
    return out;
  }

  /** True when the image's samples are grey levels (every output channel gets the same value). */
  static boolean isGray(BufferedImage image) {
    return image.getRaster().getNumBands() <= 2 && !(image.getColorModel() instanceof IndexColorModel);
  }

  /** Reads one image row as channel-major floats 0..255: [c][x]. */
  private static final class RowReader {
    private final BufferedImage image;
    private final int channels;
    private final boolean gray;
    private final int bits;
    private final int[] buf;

    RowReader(BufferedImage image, int channels) {
      this.image = image;
      this.channels = channels;
      // read gray samples directly: getRGB would pass them through a linear-to-sRGB
      // conversion and change the values
      this.gray = isGray(image);
      this.bits = image.getColorModel().getComponentSize(0);
      this.buf = new int[image.getWidth()];
    }

    void read(int y, float[] out) {
      int w = buf.length;
      if (gray) {
        image.getRaster().getSamples(0, y, w, 1, 0, buf);
        float scale = 255f / ((1 << bits) - 1);
        for (int x = 0; x < w; x++) {
          float v = bits == 8 ? buf[x] : buf[x] * scale;
          for (int c = 0; c < channels; c++) out[c * w + x] = v;
        }
        return;
      }
      image.getRGB(0, y, w, 1, buf, 0, w); // alpha is dropped (not premultiplied)
      for (int x = 0; x < w; x++) {
        int p = buf[x];
        int r = (p >> 16) & 0xff;
        int g = (p >> 8) & 0xff;
        int b = p & 0xff;
        if (channels == 3) {
          out[x] = r;
          out[w + x] = g;
          out[2 * w + x] = b;
        } else {
          out[x] = 0.299f * r + 0.587f * g + 0.114f * b;
        }
      }
    }
  }
}
