package dev.cerberus.trainer.features;

import dev.cerberus.model.bundle.BundleManifest.ImageSpec;
import dev.cerberus.model.input.ImagePreprocessor;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.model.input.InputRejectedException;
import dev.cerberus.model.input.ModelInput;
import dev.cerberus.model.input.PreparedInput;
import dev.cerberus.trainer.data.Item;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Image items through the model module's {@link ImagePreprocessor} (the exact pipeline the
 * server runs) and the backbone, one forward per batch.
 */
public final class ImageFeatureSource implements FeatureSource {

  private final ImageSpec spec;
  private final ImagePreprocessor pre;
  private final InputLimits limits;
  private final Backbone backbone;
  private final int featureSize;

  public ImageFeatureSource(Path backboneFile, String device, ImageSpec spec, InputLimits limits)
      throws IOException {
    this.spec = spec;
    this.pre = new ImagePreprocessor(spec);
    this.limits = limits;
    this.backbone = new Backbone(backboneFile, device);
    // one real forward: the feature size the heads are built for is checked before training
    float[][] probe = backbone.forwardImages(new float[valuesPerImage()], 1,
        spec.channelCount(), spec.height(), spec.width());
    this.featureSize = probe[0].length;
  }

  private int valuesPerImage() {
    return spec.channelCount() * spec.height() * spec.width();
  }

  @Override
  public String specKey() {
    return "image:" + spec.width() + "x" + spec.height() + ":" + spec.resize() + ":"
        + spec.channels() + ":" + spec.scale() + ":" + java.util.Arrays.toString(spec.mean())
        + ":" + java.util.Arrays.toString(spec.std());
  }

  @Override
  public int featureSize() {
    return featureSize;
  }

  @Override
  public float[][] extract(List<Item> batch) {
    int per = valuesPerImage();
    List<float[]> ok = new ArrayList<>();
    int[] index = new int[batch.size()];
    for (int i = 0; i < batch.size(); i++) {
      if (!(batch.get(i) instanceof Item.ImageFile img)) {
        throw new IllegalArgumentException(
            batch.get(i).origin() + ": a text item fed to an image backbone");
      }
      try {
        PreparedInput p = pre.prepare(new ModelInput.Image(Files.readAllBytes(img.path())), limits);
        ok.add(((PreparedInput.Pixels) p).chw());
        index[i] = ok.size() - 1;
      } catch (IOException | InputRejectedException | RuntimeException e) {
        index[i] = -1; // corrupt: the caller counts it (data.on_corrupt)
      }
    }
    float[][] rows = new float[batch.size()][];
    if (ok.isEmpty()) {
      return rows;
    }
    float[] packed = new float[ok.size() * per];
    for (int i = 0; i < ok.size(); i++) {
      System.arraycopy(ok.get(i), 0, packed, i * per, per);
    }
    float[][] feats = backbone.forwardImages(packed, ok.size(), spec.channelCount(),
        spec.height(), spec.width());
    for (int i = 0; i < batch.size(); i++) {
      rows[i] = index[i] < 0 ? null : feats[index[i]];
    }
    return rows;
  }

  @Override
  public void close() {
    backbone.close();
  }
}
