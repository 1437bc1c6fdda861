package dev.cerberus.model.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.cerberus.model.testing.TestImages;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;

class ImageDecoderTest {

  private static final InputLimits LIMITS = InputLimits.defaults();

  @Test
  void grayPngIsReplicatedWithoutGammaChanges() throws Exception {
    BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_GRAY);
    img.getRaster().setSample(0, 0, 0, 77);
    img.getRaster().setSample(2, 1, 0, 200);
    ImageDecoder.Planes p = ImageDecoder.decode(TestImages.encode(img, "png"), 3, LIMITS);
    assertThat(p.height()).isEqualTo(2);
    assertThat(p.width()).isEqualTo(3);
    for (int c = 0; c < 3; c++) {
      assertThat(p.data()[c * 6]).isEqualTo(77f);
      assertThat(p.data()[c * 6 + 5]).isEqualTo(200f);
      assertThat(p.data()[c * 6 + 1]).isEqualTo(0f);
    }
  }

  @Test
  void rgbAndRgbaKeepChannelOrderAndDropAlpha() throws Exception {
    for (int type : new int[] {BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_INT_ARGB}) {
      BufferedImage img = new BufferedImage(2, 1, type);
      img.setRGB(0, 0, 0x80102030); // half-transparent: alpha must not scale the colour
      img.setRGB(1, 0, 0xFFFF8000);
      ImageDecoder.Planes p = ImageDecoder.decode(TestImages.encode(img, "png"), 3, LIMITS);
      assertThat(p.data()).containsExactly(0x10, 0xFF, 0x20, 0x80, 0x30, 0x00);
    }
  }

  @Test
  void palettePngUsesThePaletteColours() throws Exception {
    byte[] r = {0, (byte) 250, 10}, g = {0, 5, 20}, b = {0, 7, (byte) 230};
    IndexColorModel cm = new IndexColorModel(2, 3, r, g, b);
    BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_BINARY, cm);
    img.getRaster().setSample(0, 0, 0, 1);
    img.getRaster().setSample(1, 0, 0, 2);
    ImageDecoder.Planes p = ImageDecoder.decode(TestImages.encode(img, "png"), 3, LIMITS);
    assertThat(p.data()).containsExactly(250, 10, 5, 20, 7, 230);
  }

  @Test
  void grayTargetUsesItuLuma() throws Exception {
    BufferedImage img = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
    img.setRGB(0, 0, 0x6496C8); // 100, 150, 200
    ImageDecoder.Planes p = ImageDecoder.decode(TestImages.encode(img, "png"), 1, LIMITS);
    assertThat(p.channels()).isEqualTo(1);
    assertThat(p.data()[0]).isCloseTo(0.299f * 100 + 0.587f * 150 + 0.114f * 200, within(1e-3f));
  }

  @Test
  void jpegDecodesCloseToTheSource() throws Exception {
    BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 16; y++) for (int x = 0; x < 16; x++) img.setRGB(x, y, 0x808080);
    ImageDecoder.Planes p = ImageDecoder.decode(TestImages.encode(img, "jpeg"), 3, LIMITS);
    for (float v : p.data()) assertThat(v).isCloseTo(128f, within(3f));
  }

  @Test
  void truncatedFilesAreRejected() {
    byte[] png = TestImages.png(TestImages.IMAGE_INPUTS[0], 40, 40);
    assertThatThrownBy(() -> ImageDecoder.decode(Arrays.copyOf(png, png.length / 2), 3, LIMITS))
        .isInstanceOf(InputRejectedException.class)
        .hasMessageContaining("corrupt or truncated");
    byte[] jpg = TestImages.encode(TestImages.rgb(TestImages.IMAGE_INPUTS[1], 64, 64), "jpeg");
    assertThatThrownBy(() -> ImageDecoder.decode(Arrays.copyOf(jpg, jpg.length / 2), 3, LIMITS))
        .hasMessageContaining("corrupt or truncated");
  }

  @Test
  void nonImagesAndEmptyBytesAreRejected() throws Exception {
    ByteArrayOutputStream zip = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(zip)) {
      z.putNextEntry(new ZipEntry("a.txt"));
      z.write("hello".getBytes(StandardCharsets.UTF_8));
    }
    assertThatThrownBy(() -> ImageDecoder.decode(zip.toByteArray(), 3, LIMITS))
        .hasMessageContaining("not PNG or JPEG").hasMessageContaining("504b0304");
    assertThatThrownBy(() -> ImageDecoder.decode("just some text".getBytes(StandardCharsets.UTF_8), 3, LIMITS))
        .hasMessageContaining("not PNG or JPEG");
    BufferedImage img = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
    assertThatThrownBy(() -> ImageDecoder.decode(TestImages.encode(img, "bmp"), 3, LIMITS))
        .hasMessageContaining("allowed formats: PNG, JPEG");
    assertThatThrownBy(() -> ImageDecoder.decode(new byte[0], 3, LIMITS)).hasMessageContaining("empty");
  }

  @Test
  void hugeDeclaredDimensionsAreRejectedFromTheHeader() {
    byte[] bomb = pngHeaderOnly(50_000, 50_000);
    assertThatThrownBy(() -> ImageDecoder.decode(bomb, 3, LIMITS))
        .isInstanceOfSatisfying(
            InputRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(InputRejectedException.Reason.INVALID_ARGUMENT))
        .hasMessageContaining("50000x50000")
        .hasMessageContaining("max-image-pixels");
  }

  @Test
  void oversizedBytesAreRejected() {
    byte[] png = TestImages.png(TestImages.IMAGE_INPUTS[0], 20, 20);
    InputLimits tiny = new InputLimits(10, 1000, 10, 10);
    assertThatThrownBy(() -> ImageDecoder.decode(png, 3, tiny)).hasMessageContaining("max-image-bytes");
  }

  /** A PNG signature and a valid IHDR chunk (with CRC) declaring w x h, and no pixel data. */
  static byte[] pngHeaderOnly(int w, int h) {
    ByteBuffer ihdr = ByteBuffer.allocate(17);
    ihdr.put("IHDR".getBytes(StandardCharsets.US_ASCII)).putInt(w).putInt(h);
    ihdr.put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
    CRC32 crc = new CRC32();
    crc.update(ihdr.array());
    ByteBuffer out = ByteBuffer.allocate(8 + 4 + 17 + 4);
    out.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    out.putInt(13).put(ihdr.array()).putInt((int) crc.getValue());
    return out.array();
  }
}
