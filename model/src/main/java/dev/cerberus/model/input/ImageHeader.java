package dev.cerberus.model.input;

/**
 * The size a PNG or JPEG declares, read from its header bytes without a decoder: PNG's IHDR,
 * JPEG's first start-of-frame marker (segments are skipped by their lengths, so the walk
 * touches a handful of bytes per segment and never the entropy-coded data). Cheap enough for
 * a server to sum the pixels of every image of a request before admitting it.
 */
public final class ImageHeader {

  private ImageHeader() {}

  /** Declared width x height, or -1 when the bytes are not a readable PNG or JPEG header. */
  public static long declaredPixels(byte[] b) {
    if (b == null || b.length < 24) return -1;
    if (isPng(b)) {
      long w = u32(b, 16);
      long h = u32(b, 20);
      return w * h;
    }
    if ((b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8) return jpegPixels(b);
    return -1;
  }

  private static boolean isPng(byte[] b) {
    return (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G'
        && b[12] == 'I' && b[13] == 'H' && b[14] == 'D' && b[15] == 'R';
  }

  private static long jpegPixels(byte[] b) {
    int at = 2;
    while (at + 4 <= b.length) {
      if ((b[at] & 0xff) != 0xFF) return -1;
      int marker = b[at + 1] & 0xff;
      if (marker == 0xFF) { // fill byte
        at++;
        continue;
      }
      if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) { // no length field
        at += 2;
        continue;
      }
      int length = u16(b, at + 2);
      if (isStartOfFrame(marker)) {
        if (at + 9 > b.length) return -1;
        long h = u16(b, at + 5);
        long w = u16(b, at + 7);
        return w * h;
      }
      if (marker == 0xDA || length < 2) return -1; // scan data before any frame header
      at += 2 + length;
    }
    return -1;
  }

  private static boolean isStartOfFrame(int m) {
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
  }

  private static int u16(byte[] b, int at) {
    return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
  }

  private static long u32(byte[] b, int at) {
    return ((long) (b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16)
        | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
  }
}
