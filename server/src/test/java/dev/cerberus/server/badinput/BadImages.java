package dev.cerberus.server.badinput;

import dev.cerberus.server.TestInputs;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** Encoded images, odd and broken, made in memory for the bad-input suite. */
final class BadImages {

  private BadImages() {}

  static byte[] png(BufferedImage image) {
    return encode(image, "png");
  }

  static byte[] jpeg(int width, int height) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, (x * 16) << 16 | (y * 16) << 8 | 0x40);
      }
    }
    return encode(image, "jpeg");
  }

  static byte[] gif() {
    return encode(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "gif");
  }

  static byte[] bmp() {
    return encode(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "bmp");
  }

  static byte[] gray16Png() {
    BufferedImage image = new BufferedImage(12, 12, BufferedImage.TYPE_USHORT_GRAY);
    WritableRaster r = image.getRaster();
    for (int y = 0; y < 12; y++) {
      for (int x = 0; x < 12; x++) {
        r.setSample(x, y, 0, x * 5000);
      }
    }
    return png(image);
  }

  static byte[] onePixelPng() {
    return png(new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB));
  }

  static byte[] bilevelPng() {
    return png(new BufferedImage(20, 20, BufferedImage.TYPE_BYTE_BINARY));
  }

  static byte[] palettePng() {
    byte[] v = {0, (byte) 128, (byte) 255, 64};
    BufferedImage image = new BufferedImage(10, 10, BufferedImage.TYPE_BYTE_INDEXED,
        new IndexColorModel(2, 4, v, v, v));
    return png(image);
  }

  static byte[] rgbaPng() {
    BufferedImage image = new BufferedImage(16, 16, BufferedImage.TYPE_INT_ARGB);
    image.setRGB(3, 3, 0x80ff0000);
    return png(image);
  }

  /** A 4-channel (CMYK-like) JPEG, written from a raw 4-band raster. */
  static byte[] fourChannelJpeg() {
    WritableRaster raster = Raster.createInterleavedRaster(
        java.awt.image.DataBuffer.TYPE_BYTE, 16, 16, 4, null);
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
      writer.setOutput(stream);
      writer.write(null, new IIOImage(raster, null, null), null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }

  /** A PNG signature and IHDR declaring {@code width} x {@code height}, and no image data. */
  static byte[] pngHeader(int width, int height) {
    ByteBuffer b = ByteBuffer.allocate(8 + 25);
    b.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    b.putInt(13);
    int crcFrom = b.position();
    b.put("IHDR".getBytes(StandardCharsets.US_ASCII));
    b.putInt(width).putInt(height);
    b.put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
    CRC32 crc = new CRC32();
    crc.update(b.array(), crcFrom, 17);
    b.putInt((int) crc.getValue());
    return b.array();
  }

  /** A real 16 x 16 JPEG whose frame header (SOF0) is rewritten to declare another size. */
  static byte[] jpegDeclaring(int width, int height) {
    byte[] j = jpeg(16, 16);
    for (int at = 2; at + 9 < j.length; ) {
      int marker = j[at + 1] & 0xff;
      int length = ((j[at + 2] & 0xff) << 8) | (j[at + 3] & 0xff);
      if (marker == 0xC0) {
        j[at + 5] = (byte) (height >> 8);
        j[at + 6] = (byte) height;
        j[at + 7] = (byte) (width >> 8);
        j[at + 8] = (byte) width;
        return j;
      }
      at += 2 + length;
    }
    throw new IllegalStateException("no SOF0 in the encoded JPEG");
  }

  static byte[] truncatedJpeg() {
    byte[] full = jpeg(32, 32);
    return Arrays.copyOf(full, full.length / 2);
  }

  static byte[] truncatedPng() {
    return TestInputs.truncatedPng();
  }

  /** A PNG whose first IDAT chunk has one data byte flipped (its CRC no longer matches). */
  static byte[] corruptIdatPng() {
    byte[] p = TestInputs.png(16, 16, 7);
    for (int at = 8; at + 8 < p.length; ) {
      int len = ByteBuffer.wrap(p, at, 4).getInt();
      String type = new String(p, at + 4, 4, StandardCharsets.ISO_8859_1);
      if (type.equals("IDAT")) {
        p[at + 8 + len / 2] ^= 0x5a;
        return p;
      }
      at += 12 + len;
    }
    throw new IllegalStateException("no IDAT");
  }

  /**
   * A 16 x 8 JPEG with an EXIF APP1 block after SOI whose IFD0 holds the Orientation tag with
   * {@code orientation}; {@code ifdOffset} is where the TIFF header says IFD0 starts (8 = right
   * after it; anything past the block makes the EXIF block corrupt).
   */
  static byte[] jpegWithExif(int orientation, int ifdOffset) {
    byte[] plain = jpeg(16, 8);
    ByteBuffer tiff = ByteBuffer.allocate(26);
    tiff.put("MM".getBytes(StandardCharsets.US_ASCII)).putShort((short) 42).putInt(ifdOffset);
    tiff.putShort((short) 1); // one entry
    tiff.putShort((short) 0x0112).putShort((short) 3).putInt(1)
        .putShort((short) orientation).putShort((short) 0);
    tiff.putInt(0); // no next IFD
    byte[] exif = ByteBuffer.allocate(6 + 26).put("Exif\0\0".getBytes(StandardCharsets.US_ASCII))
        .put(tiff.array()).array();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(plain, 0, 2); // SOI
    out.write(0xFF);
    out.write(0xE1);
    int length = exif.length + 2;
    out.write(length >> 8);
    out.write(length);
    out.write(exif, 0, exif.length);
    out.write(plain, 2, plain.length - 2);
    return out.toByteArray();
  }

  private static byte[] encode(BufferedImage image, String format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, format, out)) {
        throw new IllegalStateException("no ImageIO writer for " + format);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
