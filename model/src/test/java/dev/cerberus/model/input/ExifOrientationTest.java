package dev.cerberus.model.input;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cerberus.model.bundle.BundleManifest.ImageSpec;
import dev.cerberus.model.testing.TestImages;
import java.awt.geom.AffineTransform;
import java.awt.image.AffineTransformOp;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * JPEGs with a hand-written EXIF APP1 (and PNGs with an eXIf chunk) (one IFD0 entry, tag 0x0112): the decoded pixels must be
 * what a viewer shows, checked against the stored image transformed by java.awt's own
 * AffineTransformOp (independent of the code under test).
 */
class ExifOrientationTest {

  private static final InputLimits LIMITS = InputLimits.defaults();
  private static final int W = 32;
  private static final int H = 16;

  /** White 16x8 block in the top-left of a black 32x16 image: every orientation differs. */
  private static BufferedImage stored() {
    BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 8; y++) for (int x = 0; x < 16; x++) img.setRGB(x, y, 0xFFFFFF);
    return img;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
  void jpegIsDecodedAsAViewerShowsIt(int orientation) throws Exception {
    for (ByteOrder order : new ByteOrder[] {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN}) {
      byte[] jpeg = withApp1(TestImages.encode(stored(), "jpeg"), exif(orientation, order));
      ImageDecoder.Planes p = ImageDecoder.decode(jpeg, 1, LIMITS);
      BufferedImage want = viewed(stored(), orientation);
      assertThat(p.width()).as("width, orientation %d", orientation).isEqualTo(want.getWidth());
      assertThat(p.height()).as("height, orientation %d", orientation).isEqualTo(want.getHeight());
      for (int y = 0; y < p.height(); y++) {
        for (int x = 0; x < p.width(); x++) {
          boolean white = (want.getRGB(x, y) & 0xFF) > 128;
          assertThat(p.data()[y * p.width() + x] > 128)
              .as("pixel (%d,%d), orientation %d, %s", x, y, orientation, order)
              .isEqualTo(white);
        }
      }
    }
  }

  @Test
  void theBlockLandsWhereTheExifSpecSays() throws Exception {
    // spec table for a stored top-left block: 6 (rotate 90 cw) shows it top-right
    BufferedImage six = ImageDecoder.read(
        withApp1(TestImages.encode(stored(), "jpeg"), exif(6, ByteOrder.BIG_ENDIAN)), LIMITS);
    assertThat(six.getWidth()).isEqualTo(H);
    assertThat(six.getRGB(H - 1, 0) & 0xFF).isGreaterThan(200);
    assertThat(six.getRGB(0, 0) & 0xFF).isLessThan(50);
    // 8 (rotate 90 ccw) shows it bottom-left
    BufferedImage eight = ImageDecoder.read(
        withApp1(TestImages.encode(stored(), "jpeg"), exif(8, ByteOrder.BIG_ENDIAN)), LIMITS);
    assertThat(eight.getRGB(0, W - 1) & 0xFF).isGreaterThan(200);
    assertThat(eight.getRGB(0, 0) & 0xFF).isLessThan(50);
  }

  @Test
  void garbageOrMissingExifDecodesUpright() throws Exception {
    byte[] plain = TestImages.encode(stored(), "jpeg");
    byte[] garbage = "Exif\0\0MM\0*\0\0\0\u00ff\u00ff\u00ff\u0001\u0012".getBytes(StandardCharsets.ISO_8859_1);
    byte[] truncated = Arrays.copyOf(exif(6, ByteOrder.BIG_ENDIAN), 20);
    byte[] outOfRange = exif(9, ByteOrder.BIG_ENDIAN);
    for (byte[] app1 : new byte[][] {garbage, truncated, outOfRange}) {
      BufferedImage img = ImageDecoder.read(withApp1(plain, app1), LIMITS);
      assertThat(img.getWidth()).isEqualTo(W);
      assertThat(img.getRGB(0, 0) & 0xFF).isGreaterThan(200);
    }
    assertThat(ExifOrientation.ofJpeg(plain)).isEqualTo(1);
    assertThat(ExifOrientation.ofJpeg(new byte[] {1, 2, 3})).isEqualTo(1);
  }

  @Test
  void grayJpegStaysGrayWhenRotated() throws Exception {
    BufferedImage gray = new BufferedImage(W, H, BufferedImage.TYPE_BYTE_GRAY);
    gray.getRaster().setSample(0, 0, 0, 255);
    BufferedImage out = ExifOrientation.apply(gray, 6);
    assertThat(ImageDecoder.isGray(out)).isTrue();
    assertThat(out.getRaster().getSample(H - 1, 0, 0)).isEqualTo(255);
    assertThat(out.getRaster().getSample(0, 0, 0)).isZero();
  }

  @Test
  void pngWithoutEXifIsUnaffected() throws Exception {
    BufferedImage img = ImageDecoder.read(TestImages.encode(stored(), "png"), LIMITS);
    assertThat(img.getWidth()).isEqualTo(W);
    assertThat(img.getRGB(0, 0) & 0xFFFFFF).isEqualTo(0xFFFFFF);
  }

  @Test
  void pngEXifChunkBeforeImageDataIsApplied() throws Exception {
    byte[] png = TestImages.encode(stored(), "png");
    byte[] tiff = Arrays.copyOfRange(exif(6, ByteOrder.LITTLE_ENDIAN), 6, 6 + 26);
    BufferedImage six = ImageDecoder.read(withPngChunk(png, "eXIf", tiff), LIMITS);
    assertThat(six.getWidth()).isEqualTo(H);
    assertThat(six.getRGB(H - 1, 0) & 0xFFFFFF).isEqualTo(0xFFFFFF);
    assertThat(six.getRGB(0, 0) & 0xFFFFFF).isZero();
    // a corrupt eXIf is ignored, not an error
    BufferedImage bad = ImageDecoder.read(withPngChunk(png, "eXIf", new byte[] {'M', 'M', 9}), LIMITS);
    assertThat(bad.getWidth()).isEqualTo(W);
  }

  @Test
  void thePreprocessorResizesTheOrientedImage() throws Exception {
    // the server and the trainer (FeatureExtractor.prepare) both go through ImagePreprocessor.
    // A 2x2 nearest resize samples rows 8, 24 and columns 4, 12 of the upright 16x32 image:
    // only (row 8, col 12) is in the block. Unoriented it would be (row 4, col 8), pixel 0.
    ImageSpec spec = new ImageSpec(2, 2, ImageSpec.NEAREST, ImageSpec.GRAY, 255f, null, null);
    byte[] jpeg = withApp1(TestImages.encode(stored(), "jpeg"), exif(6, ByteOrder.BIG_ENDIAN));
    float[] px = ((PreparedInput.Pixels) new ImagePreprocessor(spec)
        .prepare(new ModelInput.Image(jpeg), LIMITS)).chw();
    assertThat(px[0]).isLessThan(0.2f);
    assertThat(px[1]).isGreaterThan(0.8f);
    assertThat(px[2]).isLessThan(0.2f);
    assertThat(px[3]).isLessThan(0.2f);
  }

  /** "Exif\0\0" + TIFF header + IFD0 with one SHORT entry 0x0112 = orientation. */
  static byte[] exif(int orientation, ByteOrder order) {
    ByteBuffer b = ByteBuffer.allocate(6 + 8 + 2 + 12 + 4).order(order);
    b.put("Exif\0\0".getBytes(StandardCharsets.US_ASCII));
    b.put(order == ByteOrder.BIG_ENDIAN ? new byte[] {'M', 'M'} : new byte[] {'I', 'I'});
    b.putShort((short) 42).putInt(8); // magic, IFD0 offset from the TIFF header
    b.putShort((short) 1); // one entry
    b.putShort((short) 0x0112).putShort((short) 3).putInt(1); // tag, SHORT, count 1
    b.putShort((short) orientation).putShort((short) 0); // value left-justified in 4 bytes
    b.putInt(0); // no next IFD
    return b.array();
  }

  /** Inserts an APP1 segment after the encoder's JFIF APP0 (first after SOI if none). */
  static byte[] withApp1(byte[] jpeg, byte[] payload) {
    int at = 2;
    if ((jpeg[2] & 0xFF) == 0xFF && (jpeg[3] & 0xFF) == 0xE0) {
      at = 4 + (((jpeg[4] & 0xFF) << 8) | (jpeg[5] & 0xFF));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(jpeg, 0, at);
    int len = payload.length + 2;
    out.write(0xFF);
    out.write(0xE1);
    out.write(len >> 8);
    out.write(len & 0xFF);
    out.write(payload, 0, payload.length);
    out.write(jpeg, at, jpeg.length - at);
    return out.toByteArray();
  }

  /** Inserts a chunk (with its CRC) right after IHDR, which is always 25 bytes at offset 8. */
  static byte[] withPngChunk(byte[] png, String type, byte[] data) {
    byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
    CRC32 crc = new CRC32();
    crc.update(typeBytes);
    crc.update(data);
    ByteBuffer chunk = ByteBuffer.allocate(12 + data.length);
    chunk.putInt(data.length).put(typeBytes).put(data).putInt((int) crc.getValue());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(png, 0, 33);
    out.write(chunk.array(), 0, chunk.capacity());
    out.write(png, 33, png.length - 33);
    return out.toByteArray();
  }

  /** What a viewer shows for the stored image, with java.awt transforms. */
  private static BufferedImage viewed(BufferedImage s, int orientation) {
    int w = s.getWidth();
    int h = s.getHeight();
    AffineTransform t = switch (orientation) {
      case 1 -> new AffineTransform();
      case 2 -> new AffineTransform(-1, 0, 0, 1, w, 0); // mirror horizontal
      case 3 -> new AffineTransform(-1, 0, 0, -1, w, h); // rotate 180
      case 4 -> new AffineTransform(1, 0, 0, -1, 0, h); // mirror vertical
      case 5 -> new AffineTransform(0, 1, 1, 0, 0, 0); // transpose
      case 6 -> new AffineTransform(0, 1, -1, 0, h, 0); // rotate 90 clockwise
      case 7 -> new AffineTransform(0, -1, -1, 0, h, w); // transverse
      case 8 -> new AffineTransform(0, -1, 1, 0, 0, w); // rotate 90 counter-clockwise
      default -> throw new IllegalArgumentException("orientation " + orientation);
    };
    boolean swap = orientation >= 5;
    BufferedImage dst = new BufferedImage(swap ? h : w, swap ? w : h, BufferedImage.TYPE_INT_RGB);
    new AffineTransformOp(t, AffineTransformOp.TYPE_NEAREST_NEIGHBOR).filter(s, dst);
    return dst;
  }
}
