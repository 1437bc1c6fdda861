package dev.cerberus.model.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cerberus.model.bundle.BundleManifest.ImageSpec;
import dev.cerberus.model.testing.Expected;
import dev.cerberus.model.testing.TestImages;
import org.junit.jupiter.api.Test;

/** Resizing against torch F.interpolate outputs recorded by make_fixtures.py. */
class ImageResizeTest {

  @Test
  void bilinearAndNearestMatchTorch() {
    for (JsonNode c : Expected.root().get("resize")) {
      int h = c.get("height").asInt(), w = c.get("width").asInt();
      int oh = c.get("out_height").asInt(), ow = c.get("out_width").asInt();
      float[] src = TestImages.planes(TestImages.RESIZE, h, w);
      assertThat(ImageResize.bilinear(src, 3, h, w, oh, ow))
          .as("bilinear %dx%d -> %dx%d", h, w, oh, ow)
          .containsExactly(Expected.floats(c.get("bilinear")), within(1e-3f));
      assertThat(ImageResize.nearest(src, 3, h, w, oh, ow))
          .as("nearest %dx%d -> %dx%d", h, w, oh, ow)
          .containsExactly(Expected.floats(c.get("nearest")), within(1e-6f));
    }
  }

  @Test
  void separableBilinearIsBitIdenticalToTheFourTapFormula() {
    java.util.Random random = new java.util.Random(7);
    int[][] sizes = {{28, 28, 96, 96}, {5, 9, 13, 4}, {64, 48, 20, 30}, {1, 7, 3, 3}};
    for (int[] s : sizes) {
      int h = s[0], w = s[1], oh = s[2], ow = s[3];
      float[] src = new float[2 * h * w];
      for (int i = 0; i < src.length; i++) src[i] = random.nextFloat() * 255f;
      float[] expected = new float[2 * oh * ow];
      float sy = (float) h / oh, sx = (float) w / ow;
      for (int c = 0; c < 2; c++) {
        for (int y = 0; y < oh; y++) {
          float ry = Math.max(0f, sy * (y + 0.5f) - 0.5f);
          int y0 = (int) ry, y1 = y0 < h - 1 ? y0 + 1 : y0;
          float wy1 = ry - y0, wy0 = 1f - wy1;
          for (int x = 0; x < ow; x++) {
            float rx = Math.max(0f, sx * (x + 0.5f) - 0.5f);
            int x0 = (int) rx, x1 = x0 < w - 1 ? x0 + 1 : x0;
            float wx1 = rx - x0, wx0 = 1f - wx1;
            int p = c * h * w;
            expected[c * oh * ow + y * ow + x] =
                wy0 * (wx0 * src[p + y0 * w + x0] + wx1 * src[p + y0 * w + x1])
                    + wy1 * (wx0 * src[p + y1 * w + x0] + wx1 * src[p + y1 * w + x1]);
          }
        }
      }
      assertThat(ImageResize.bilinear(src, 2, h, w, oh, ow)).as("%dx%d -> %dx%d", h, w, oh, ow)
          .containsExactly(expected);
    }
  }

  @Test
  void resizingFromTheDecodedImageEqualsResizingFullPlanes() {
    int[][] sizes = {{20, 24, 16, 16}, {7, 5, 4, 9}, {300, 200, 16, 16}, {16, 16, 16, 16}, {3, 40, 8, 5}};
    for (int[] s : sizes) {
      var img = TestImages.rgb(TestImages.IMAGE_INPUTS[1], s[0], s[1]);
      for (int channels : new int[] {1, 3}) {
        ImageDecoder.Planes full = ImageDecoder.toPlanes(img, channels);
        assertThat(ImageResize.resize(img, channels, s[2], s[3], false))
            .containsExactly(ImageResize.bilinear(full.data(), channels, s[0], s[1], s[2], s[3]));
        assertThat(ImageResize.resize(img, channels, s[2], s[3], true))
            .containsExactly(ImageResize.nearest(full.data(), channels, s[0], s[1], s[2], s[3]));
      }
    }
  }

  @Test
  void preprocessorNormalisesPerChannel() throws Exception {
    ImageSpec spec = new ImageSpec(2, 1, "bilinear", "rgb", 255f, new float[] {0.5f, 0f, 1f}, new float[] {0.5f, 1f, 2f});
    ImagePreprocessor pre = new ImagePreprocessor(spec);
    float[] out = pre.fromPlanes(new ImageDecoder.Planes(3, 1, 2, new float[] {255, 0, 51, 102, 0, 255}));
    assertThat(out).containsExactly(new float[] {1f, -1f, 0.2f, 0.4f, -0.5f, 0f}, within(1e-6f));
  }
}
