package dev.cerberus.model.input;

import com.drew.imaging.jpeg.JpegMetadataReader;
import com.drew.lang.ByteArrayReader;
import com.drew.metadata.Metadata;
import com.drew.metadata.MetadataException;
import com.drew.metadata.exif.ExifIFD0Directory;
import com.drew.metadata.exif.ExifReader;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The EXIF Orientation tag (IFD0 0x0112) of a JPEG or PNG and its application to decoded pixels, so
 * a phone photo stored sideways is classified as a viewer shows it. Server and trainer both
 * decode through {@link ImageDecoder#read}, so both see the same oriented pixels.
 */
final class ExifOrientation {

  private ExifOrientation() {}

  /**
   * The orientation (1-8) of a JPEG; 1 when there is no EXIF block, no tag, an out-of-range
   * value or the block is corrupt: metadata must never fail a decode the pixels allow.
   */
  static int ofJpeg(byte[] jpeg) {
    try {
      // only the EXIF reader: the segment reader stops at the start of scan, and each APP1
      // is at most 64 KiB, so the cost is bounded whatever the image size
      return orientation(
          JpegMetadataReader.readMetadata(new ByteArrayInputStream(jpeg), List.of(new ExifReader())));
    } catch (Exception e) {
      return 1;
    }
  }

  /**
   * The orientation (1-8) from a PNG's eXIf chunk (a TIFF block, as in a JPEG's APP1), 1 when
   * absent or corrupt. Only chunk headers before the first IDAT are walked (eXIf must precede
   * the image data), so no pixel data or compressed text is read.
   */
  static int ofPng(byte[] png) {
    try {
      int at = 8; // signature
      while (at + 8 <= png.length) {
        long len = ByteBuffer.wrap(png, at, 4).getInt() & 0xFFFFFFFFL;
        String type = new String(png, at + 4, 4, StandardCharsets.ISO_8859_1);
        if (type.equals("IDAT") || type.equals("IEND") || at + 12 + len > png.length) return 1;
        if (type.equals("eXIf")) {
          byte[] tiff = Arrays.copyOfRange(png, at + 8, at + 8 + (int) len);
          Metadata m = new Metadata();
          new ExifReader().extract(new ByteArrayReader(tiff), m);
          return orientation(m);
        }
        at += 12 + (int) len; // length, type, data, CRC
      }
      return 1;
    } catch (Exception e) {
      return 1;
    }
  }

  private static int orientation(Metadata m) throws MetadataException {
    ExifIFD0Directory ifd0 = m.getFirstDirectoryOfType(ExifIFD0Directory.class);
    if (ifd0 == null || !ifd0.containsTag(ExifIFD0Directory.TAG_ORIENTATION)) return 1;
    int v = ifd0.getInt(ExifIFD0Directory.TAG_ORIENTATION);
    return v >= 1 && v <= 8 ? v : 1;
  }

  /**
   * The image as displayed for {@code orientation}: 2 mirror, 3 rotate 180, 4 flip vertical,
   * 5 transpose, 6 rotate 90 clockwise, 7 transverse, 8 rotate 90 counter-clockwise. The
   * result keeps the source's colour model and raw samples (a grey image stays grey).
   */
  static BufferedImage apply(BufferedImage src, int orientation) {
    if (orientation < 2 || orientation > 8) return src;
    int w = src.getWidth();
    int h = src.getHeight();
    boolean transpose = orientation >= 5;
    WritableRaster out =
        src.getColorModel().createCompatibleWritableRaster(transpose ? h : w, transpose ? w : h);
    Raster in = src.getRaster();
    int bands = in.getNumBands();
    int[] row = new int[bands * w];
    // each source row becomes one output row (1-4) or column (5-8), reversed or not:
    // 2: x' = w-1-x; 3: x' = w-1-x, y' = h-1-y; 4: y' = h-1-y;
    // 5: (x', y') = (y, x); 6: (h-1-y, x); 7: (h-1-y, w-1-x); 8: (y, w-1-x)
    boolean reverse = orientation == 2 || orientation == 3 || orientation == 7 || orientation == 8;
    boolean fromEnd = orientation == 3 || orientation == 4 || orientation == 6 || orientation == 7;
    for (int y = 0; y < h; y++) {
      in.getPixels(in.getMinX(), in.getMinY() + y, w, 1, row);
      if (reverse) reversePixels(row, bands, w);
      int line = fromEnd ? h - 1 - y : y;
      if (transpose) {
        out.setPixels(line, 0, 1, w, row);
      } else {
        out.setPixels(0, line, w, 1, row);
      }
    }
    return new BufferedImage(src.getColorModel(), out, src.isAlphaPremultiplied(), null);
  }

  private static void reversePixels(int[] row, int bands, int w) {
    for (int i = 0, j = w - 1; i < j; i++, j--) {
      for (int b = 0; b < bands; b++) {
        int t = row[i * bands + b];
        row[i * bands + b] = row[j * bands + b];
        row[j * bands + b] = t;
      }
    }
  }
}
