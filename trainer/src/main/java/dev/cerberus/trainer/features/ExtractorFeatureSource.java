package dev.cerberus.trainer.features;

import dev.cerberus.model.GraphOptions;
import dev.cerberus.model.bundle.BundleException;
import dev.cerberus.model.bundle.BundleManifest.BackboneSpec;
import dev.cerberus.model.bundle.BundleManifest.InputSpec;
import dev.cerberus.model.bundle.FlipMode;
import dev.cerberus.model.graph.FeatureExtractor;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.model.input.InputRejectedException;
import dev.cerberus.model.input.ModelInput;
import dev.cerberus.model.input.PreparedInput;
import dev.cerberus.trainer.data.Item;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Items through the model module's {@link FeatureExtractor}: the server's own preprocessing,
 * batching and pooling, so heads are fitted on exactly the features they will read when served.
 * An item the server would reject (undecodable image, empty text) comes back as a null row.
 */
public final class ExtractorFeatureSource implements FeatureSource {

  private final FeatureExtractor extractor;
  private final InputLimits limits;
  private final String specKey;
  private final int featureSize;

  /**
   * @param dir folder the input spec's paths (tokenizer) and the backbone file resolve against
   */
  public ExtractorFeatureSource(Path dir, InputSpec input, String backboneFile, String output,
      String device, int batchSize, InputLimits limits) throws IOException {
    this(dir, input, backboneFile, output, device, batchSize, limits, false, FlipMode.NONE);
  }

  /**
   * @param trunk {@code backboneFile} is a split backbone's trunk: its output (a feature map)
   *     is flattened per item, {@code C*h*w} values, and cached for fine-tuning the top
   * @param flip the bundle's flip mode (whole backbones only): rows are the served
   *     {@code [f(x), f(x) - f(mirror x)]} or {@code (f(x) + f(mirror x)) / 2}, computed by the
   *     server's own batching and flip code
   */
  public ExtractorFeatureSource(Path dir, InputSpec input, String backboneFile, String output,
      String device, int batchSize, InputLimits limits, boolean trunk, FlipMode flip)
      throws IOException {
    if (trunk && flip.mirrors()) {
      throw new IllegalArgumentException("flip modes need a whole backbone, not a trunk");
    }
    this.limits = limits;
    try {
      GraphOptions options = new GraphOptions(device, new int[0]);
      this.extractor = trunk
          ? FeatureExtractor.forFile(dir.resolve(backboneFile), input, output, options, batchSize)
          : FeatureExtractor.open(dir, input,
              new BackboneSpec(backboneFile, null, output, null, null), flip, options, batchSize);
    } catch (BundleException e) {
      throw new IOException(e.getMessage(), e);
    }
    // the plain key is unchanged, so caches written before flip modes existed stay valid
    this.specKey = (trunk ? "trunk:" : "") + specKey(input, output)
        + (flip.mirrors() ? ":flip=" + flip.name().toLowerCase(java.util.Locale.ROOT) : "");
    this.featureSize = probe(input).length;
  }

  private float[] probe(InputSpec input) throws IOException {
    ModelInput in = "text".equals(input.kind()) ? new ModelInput.Text("probe")
        : new ModelInput.Image(blankPng());
    try {
      return extractor.extract(List.of(extractor.prepare(in, limits)))[0];
    } catch (InputRejectedException e) {
      throw new IOException("backbone probe rejected: " + e.getMessage(), e);
    }
  }

  private static byte[] blankPng() throws IOException {
    var img = new java.awt.image.BufferedImage(8, 8, java.awt.image.BufferedImage.TYPE_INT_RGB);
    var out = new java.io.ByteArrayOutputStream();
    javax.imageio.ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  /** Everything besides the backbone bytes that changes the features. */
  static String specKey(InputSpec in, String output) {
    if ("image".equals(in.kind())) {
      var s = in.image();
      return "image:" + s.width() + "x" + s.height() + ":" + s.resize() + ":" + s.channels() + ":"
          + s.scale() + ":" + Arrays.toString(s.mean()) + ":" + Arrays.toString(s.std());
    }
    var t = in.text();
    return "text:" + t.maxTokens() + ":" + t.pooling() + ":" + output;
  }

  @Override
  public String specKey() {
    return specKey;
  }

  @Override
  public int featureSize() {
    return featureSize;
  }

  @Override
  public float[][] extract(List<Item> batch) {
    List<PreparedInput> ok = new ArrayList<>();
    int[] index = new int[batch.size()];
    for (int i = 0; i < batch.size(); i++) {
      try {
        Item item = batch.get(i);
        ModelInput in = item instanceof Item.ImageFile f
            ? new ModelInput.Image(Files.readAllBytes(f.path()))
            : new ModelInput.Text(((Item.Text) item).text());
        ok.add(extractor.prepare(in, limits));
        index[i] = ok.size() - 1;
      } catch (IOException | InputRejectedException e) {
        index[i] = -1; // counted by the caller (data.on_corrupt)
      }
    }
    float[][] rows = new float[batch.size()][];
    if (ok.isEmpty()) {
      return rows;
    }
    float[][] feats = extractor.extract(ok);
    for (int i = 0; i < batch.size(); i++) {
      rows[i] = index[i] < 0 ? null : feats[index[i]];
    }
    return rows;
  }

  @Override
  public void close() {
    extractor.close();
  }
}
