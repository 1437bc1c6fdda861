package dev.cerberus.model.input;

import dev.cerberus.model.bundle.BundleManifest.ImageSpec;

/** decode -> resize -> {@code (pixel / scale - mean[c]) / std[c]}, float32 CHW. */
public final class ImagePreprocessor implements InputPreprocessor {

  private final ImageSpec spec;
  private final int channels;

  public ImagePreprocessor(ImageSpec spec) {
    this.spec = spec;
    this.channels = spec.channelCount();
  }

  @Override
  public PreparedInput prepare(ModelInput input, InputLimits limits)
      throws InputRejectedException {
    if (!(input instanceof ModelInput.Image img)) {
      throw InputRejectedException.invalid(
          "this model takes an image (PNG or JPEG), got " + InputPreprocessor.kindOf(input));
    }
    java.awt.image.BufferedImage decoded = ImageDecoder.read(img.bytes(), limits, spec.height(), spec.width());
    boolean nearest = ImageSpec.NEAREST.equals(spec.resize());
    float[] px = ImageResize.resize(decoded, channels, spec.height(), spec.width(), nearest);
    normaliseInPlace(px); // resize returned a fresh array: no second copy
    return new PreparedInput.Pixels(px);
  }

  /** Resize and normalise already decoded planes (0..255); used by tests and the trainer. */
  public float[] fromPlanes(ImageDecoder.Planes planes) {
    return normalise(resize(planes));
  }

  private float[] resize(ImageDecoder.Planes p) {
    int oh = spec.height();
    int ow = spec.width();
    return ImageSpec.NEAREST.equals(spec.resize())
        ? ImageResize.nearest(p.data(), channels, p.height(), p.width(), oh, ow)
        : ImageResize.bilinear(p.data(), channels, p.height(), p.width(), oh, ow);
  }

  private float[] normalise(float[] px) {
    // resize may return its input unchanged; normalise a copy
    float[] out = px.clone();
    normaliseInPlace(out);
    return out;
  }

  private void normaliseInPlace(float[] out) {
    int plane = spec.height() * spec.width();
    float scale = spec.scale();
    for (int c = 0; c < channels; c++) {
      float mean = spec.mean()[c];
      float std = spec.std()[c];
      for (int i = c * plane, end = i + plane; i < end; i++) {
        out[i] = (out[i] / scale - mean) / std;
      }
    }
  }
}
