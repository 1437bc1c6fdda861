package dev.cerberus.model.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cerberus.model.bundle.BundleManifest.ImageSpec;
import dev.cerberus.model.input.ImagePreprocessor;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.model.input.InputRejectedException;
import dev.cerberus.model.input.ModelInput;
import dev.cerberus.model.input.PreparedInput;

/**
 * Image bytes from the fuzzer through the server's image path: header checks, EXIF
 * orientation, (subsampled) decode, resize, normalise. Each input either becomes exactly
 * channels x height x width finite values or is refused with an {@link InputRejectedException}
 * whose message is readable; anything else (another exception, an error, a wrong size) is a
 * finding. Seeds: {@code src/test/resources/dev/cerberus/model/fuzz/ImageFuzzTestInputs}
 * (made by {@code src/test/fuzz/make_seeds.py}; crash inputs found later are added there too).
 */
class ImageFuzzTest {

  // small pixel limit: a fuzzed header declaring 40 Mpx would make each run slow, not find more
  private static final InputLimits LIMITS = new InputLimits(1 << 20, 1_000_000L, 1 << 10, 1 << 10);
  private static final ImagePreprocessor RGB_BILINEAR =
      new ImagePreprocessor(spec(12, 10, ImageSpec.BILINEAR, ImageSpec.RGB));
  private static final ImagePreprocessor GRAY_NEAREST =
      new ImagePreprocessor(spec(5, 7, ImageSpec.NEAREST, ImageSpec.GRAY));

  private static ImageSpec spec(int h, int w, String resize, String channels) {
    int c = ImageSpec.RGB.equals(channels) ? 3 : 1;
    float[] mean = new float[c];
    float[] std = new float[c];
    java.util.Arrays.fill(mean, 0.5f);
    java.util.Arrays.fill(std, 0.25f);
    return new ImageSpec(w, h, resize, channels, 255f, mean, std);
  }

  @FuzzTest(maxDuration = "10s")
  void decodeAndResize(byte[] bytes) {
    check(RGB_BILINEAR, bytes, 3 * 12 * 10);
    check(GRAY_NEAREST, bytes, 5 * 7);
  }

  private static void check(ImagePreprocessor p, byte[] bytes, int expected) {
    try {
      PreparedInput out = p.prepare(new ModelInput.Image(bytes), LIMITS);
      float[] px = ((PreparedInput.Pixels) out).chw();
      if (px.length != expected) {
        throw new AssertionError("prepared " + px.length + " values, expected " + expected);
      }
      FuzzChecks.finite(px, "pixels");
    } catch (InputRejectedException e) {
      FuzzChecks.readable(e.getMessage(), "image refusal");
    }
  }
}
