package dev.cerberus.model.input;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cerberus.model.bundle.BundleManifest.ImageSpec;
import dev.cerberus.model.testing.PngBomb;
import dev.cerberus.model.testing.TestImages;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

/** Issue 15 defect 2: a large image is decoded subsampled, and serves (nearly) the same input. */
class DecodeSubsamplingTest {

  private static final InputLimits LIMITS = InputLimits.defaults();
  private static final int T = 96;

  /** A smooth photo-like image: gradients plus low-frequency waves, per channel. */
  private static final TestImages.Formula SMOOTH = (c, y, x) -> (int) Math.round(
      127.5 + 60 * Math.sin(x / 97.0 + c) * Math.cos(y / 131.0) + 0.01 * (x - y) * (c - 1));

  @Test
  void periodKeepsAtLeastTwiceTheTargetAndSmallImagesAreDecodedInFull() {
    assertThat(DecodeSubsampling.forTarget(6000, 6000, T, T, false))
        .isEqualTo(new DecodeSubsampling(31, 15));
    assertThat(DecodeSubsampling.forTarget(383, 5000, T, T, false)).isEqualTo(DecodeSubsampling.NONE);
    assertThat(DecodeSubsampling.forTarget(384, 384, T, T, false).period()).isEqualTo(2);
    // a transposed (EXIF 5-8) image: the displayed height is the stored width
    assertThat(DecodeSubsampling.forTarget(4000, 1000, 10, 100, true).period()).isEqualTo(5);
    assertThat(DecodeSubsampling.forTarget(4000, 1000, 0, 0, false)).isEqualTo(DecodeSubsampling.NONE);
  }

  @Test
  void subsampledDecodeMatchesFullDecodeAndResizeWithinTolerance() throws Exception {
    for (int[] size : new int[][] {{1500, 1100}, {900, 2000}, {4000, 3000}}) {
      byte[] png = TestImages.png(SMOOTH, size[0], size[1]);
      BufferedImage sub = ImageDecoder.read(png, LIMITS, T, T);
      assertThat(sub.getWidth()).isLessThan(size[1] / 2);
      float[] fast = ImageResize.resize(sub, 3, T, T, false);
      float[] full = ImageResize.resize(ImageDecoder.read(png, LIMITS), 3, T, T, false);
      double sum = 0;
      double max = 0;
      for (int i = 0; i < full.length; i++) {
        double d = Math.abs(fast[i] - full[i]);
        sum += d;
        max = Math.max(max, d);
      }
      // 0..255 levels: the blended neighbours are at most s/2 pixels from the exact ones
      assertThat(sum / full.length).as("mean |diff| %dx%d", size[0], size[1]).isLessThan(1.0);
      assertThat(max).as("max |diff| %dx%d", size[0], size[1]).isLessThan(6.0);
    }
  }

  @Test
  void imagesUpToFourTimesTheTargetServeExactlyAsBefore() throws Exception {
    ImageSpec spec = new ImageSpec(T, T, "bilinear", "rgb", 255f,
        new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.25f, 0.25f, 0.25f});
    byte[] png = TestImages.png(TestImages.IMAGE_INPUTS[1], 383, 300);
    float[] served = ((PreparedInput.Pixels) new ImagePreprocessor(spec)
        .prepare(new ModelInput.Image(png), LIMITS)).chw();
    float[] reference = new ImagePreprocessor(spec).fromPlanes(ImageDecoder.decode(png, 3, LIMITS));
    assertThat(served).containsExactly(reference);
  }

  @Test
  void aDecodeBombCostsASmallRaster() throws Exception {
    byte[] bomb = PngBomb.rgb(6000, 6000);
    assertThat(bomb.length).isLessThan(200_000);
    assertThat(ImageHeader.declaredPixels(bomb)).isEqualTo(36_000_000L);
    BufferedImage img = ImageDecoder.read(bomb, LIMITS, T, T);
    assertThat(img.getWidth()).isEqualTo((6000 - 15 + 30) / 31);
    assertThat(img.getHeight()).isEqualTo(img.getWidth());
  }

  @Test
  void headerSizesOfPngAndJpeg() {
    BufferedImage img = TestImages.rgb(TestImages.IMAGE_INPUTS[0], 37, 53);
    assertThat(ImageHeader.declaredPixels(TestImages.encode(img, "png"))).isEqualTo(37 * 53);
    assertThat(ImageHeader.declaredPixels(TestImages.encode(img, "jpeg"))).isEqualTo(37 * 53);
    assertThat(ImageHeader.declaredPixels("not an image at all, just text".getBytes()))
        .isEqualTo(-1);
    assertThat(ImageHeader.declaredPixels(new byte[3])).isEqualTo(-1);
  }
}
