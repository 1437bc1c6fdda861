package dev.cerberus.model.bundle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import dev.cerberus.model.bundle.BundleManifest.BackboneSpec;
import dev.cerberus.model.bundle.BundleManifest.HeadSpec;
import dev.cerberus.model.bundle.BundleManifest.ImageSpec;
import dev.cerberus.model.bundle.BundleManifest.InputSpec;
import dev.cerberus.model.bundle.BundleManifest.LayerSpec;
import dev.cerberus.model.bundle.BundleManifest.TextSpec;
import dev.cerberus.model.heads.Activation;
import dev.cerberus.model.heads.DenseLayer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads {@code bundle.json} and every array it names, and checks everything docs/bundle.md
 * lists under "Validation" that can be checked without the engine. Each failure is a
 * {@link BundleException} whose message names the file and the field ("bundle.json:
 * heads[1].labels: ..."), so a broken bundle is diagnosed from the log alone.
 */
public final class BundleReader {

  public static final String MANIFEST = "bundle.json";
  private static final Pattern HEAD_NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]*");

  private final Path dir;

  private BundleReader(Path dir) {
    this.dir = dir.toAbsolutePath().normalize();
  }

  /** Reads and validates the bundle in {@code bundleDir}. */
  public static Bundle read(Path bundleDir) throws BundleException {
    return new BundleReader(bundleDir).read();
  }

  /** Parses and checks only the manifest (no files); used by tools that list bundles. */
  public static BundleManifest parseManifest(Path manifestFile) throws BundleException {
    if (!Files.isRegularFile(manifestFile)) {
      throw new BundleException(manifestFile + ": missing manifest (every bundle needs one)");
    }
    try {
      return BundleJson.mapper().readValue(manifestFile.toFile(), BundleManifest.class);
    } catch (JsonProcessingException e) {
      throw new BundleException(
          manifestFile + ": not a valid manifest: " + ManifestErrors.describe(e), e);
    } catch (IOException e) {
      throw new BundleException(manifestFile + ": cannot read: " + e.getMessage(), e);
    }
  }

  private Bundle read() throws BundleException {
    if (!Files.isDirectory(dir)) throw new BundleException(dir + ": not a bundle folder");
    BundleManifest m = parseManifest(dir.resolve(MANIFEST));
    if (m.schemaVersion() == null) fail("schema_version", "is required");
    if (m.schemaVersion() != BundleManifest.SUPPORTED_SCHEMA_VERSION) {
      fail(
          "schema_version",
          m.schemaVersion() + " is not supported (supported: "
              + BundleManifest.SUPPORTED_SCHEMA_VERSION + ")");
    }
    checkInput(m.input());
    checkBackbone(m);
    if (m.flipFeatures() && !InputSpec.IMAGE.equals(m.input().kind())) {
      fail("flip_features", "is only allowed for image inputs (input.kind is "
          + m.input().kind() + ")");
    }
    if (m.flipTta() != null && !InputSpec.IMAGE.equals(m.input().kind())) {
      fail("flip_tta", "is only allowed for image inputs (input.kind is "
          + m.input().kind() + ")");
    }
    if (m.flipFeatures() && m.flipTta() != null) {
      fail("flip_tta", "cannot be true together with flip_features (heads read either"
          + " [f(x), f(x) - f(mirror x)] or the mean of f(x) and f(mirror x); choose one)");
    }
    int features = m.backbone().featureSize() * m.flip().widthFactor();
    List<List<DenseLayer>> heads = checkHeads(m, features);
    Map<String, Npy.Array> ood = new LinkedHashMap<>();
    new UnknownCheck(dir.resolve(MANIFEST), m, this::existing, features, ood).checkAll();
    DecisionCheck.check(dir.resolve(MANIFEST), m);
    return new Bundle(dir, m, List.copyOf(heads), Map.copyOf(ood));
  }

  private void checkInput(InputSpec in) throws BundleException {
    if (in == null) fail("input", "is required");
    if (in.kind() == null) fail("input.kind", "is required (image, text or tensor)");
    switch (in.kind()) {
      case InputSpec.IMAGE -> checkImage(in.image());
      case InputSpec.TEXT -> checkText(in.text());
      case InputSpec.TENSOR -> {
        if (in.tensor() == null) fail("input.tensor", "is required when input.kind is tensor");
        long[] shape = in.tensor().shape();
        if (shape == null || shape.length == 0) fail("input.tensor.shape", "needs >= 1 dimension");
        for (long d : shape) {
          if (d <= 0) fail("input.tensor.shape", Arrays.toString(shape) + " has a dimension <= 0");
        }
      }
      default -> fail("input.kind", "'" + in.kind() + "' is unknown (allowed: image, text, tensor)");
    }
  }

  private void checkImage(ImageSpec img) throws BundleException {
    if (img == null) fail("input.image", "is required when input.kind is image");
    if (img.width() == null || img.width() <= 0) fail("input.image.width", "must be > 0");
    if (img.height() == null || img.height() <= 0) fail("input.image.height", "must be > 0");
    if (!Set.of(ImageSpec.BILINEAR, ImageSpec.NEAREST).contains(img.resize())) {
      fail("input.image.resize", "'" + img.resize() + "' is unknown (allowed: bilinear, nearest)");
    }
    if (!Set.of(ImageSpec.RGB, ImageSpec.GRAY).contains(img.channels())) {
      fail("input.image.channels", "'" + img.channels() + "' is unknown (allowed: rgb, gray)");
    }
    if (!(img.scale() > 0)) fail("input.image.scale", "must be > 0");
    int c = img.channelCount();
    if (img.mean().length != c) {
      fail("input.image.mean", "has " + img.mean().length + " values, channels " + img.channels()
          + " needs " + c);
    }
    if (img.std().length != c) {
      fail("input.image.std", "has " + img.std().length + " values, channels " + img.channels()
          + " needs " + c);
    }
    for (float s : img.std()) if (!(s > 0)) fail("input.image.std", "values must be > 0");
  }

  private void checkText(TextSpec text) throws BundleException {
    if (text == null) fail("input.text", "is required when input.kind is text");
    existing(text.tokenizer(), "input.text.tokenizer");
    if (text.maxTokens() < 2) fail("input.text.max_tokens", "must be >= 2 ([CLS] and [SEP])");
    if (!Set.of(TextSpec.MEAN, TextSpec.CLS).contains(text.pooling())) {
      fail("input.text.pooling", "'" + text.pooling() + "' is unknown (allowed: mean, cls)");
    }
    int[] b = text.buckets();
    if (b.length == 0) fail("input.text.buckets", "must not be empty");
    for (int i = 0; i < b.length; i++) {
      if (b[i] <= 0 || (i > 0 && b[i] <= b[i - 1])) {
        fail("input.text.buckets", Arrays.toString(b) + " must be positive and increasing");
      }
    }
    if (b[b.length - 1] != text.maxTokens()) {
      fail("input.text.buckets", "the last bucket must equal max_tokens (" + text.maxTokens()
          + "), got " + Arrays.toString(b));
    }
  }

  private void checkBackbone(BundleManifest m) throws BundleException {
    BackboneSpec bb = m.backbone();
    if (bb == null) fail("backbone", "is required");
    if ((bb.file() == null) == (bb.split() == null)) {
      fail("backbone", "needs exactly one of 'file' and 'split'");
    }
    if (bb.file() != null) {
      Path file = existing(bb.file(), "backbone.file");
      if (bb.sha256() != null) checkSha256(file, bb.sha256());
    } else {
      if (bb.split().trunk() == null) fail("backbone.split.trunk", "is required");
      if (bb.split().top() == null) fail("backbone.split.top", "is required");
      existing(bb.split().trunk(), "backbone.split.trunk");
      existing(bb.split().top(), "backbone.split.top");
    }
    if (!Set.of(BackboneSpec.POOLED, BackboneSpec.TOKENS).contains(bb.output())) {
      fail("backbone.output", "'" + bb.output() + "' is unknown (allowed: pooled, tokens)");
    }
    if (BackboneSpec.TOKENS.equals(bb.output()) && !InputSpec.TEXT.equals(m.input().kind())) {
      fail("backbone.output", "'tokens' needs input.kind text (pooling is a text setting)");
    }
    if (bb.featureSize() == null || bb.featureSize() <= 0) {
      fail("backbone.feature_size", "must be > 0");
    }
  }

  private void checkSha256(Path file, String expected) throws BundleException {
    try (InputStream in =
        new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
      byte[] buf = new byte[1 << 16];
      while (in.read(buf) >= 0) {
        // digest as we read
      }
      String actual =
          HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
      if (!actual.equalsIgnoreCase(expected)) {
        fail("backbone.sha256", "does not match " + dir.relativize(file) + " (expected "
            + expected + ", file has " + actual + ")");
      }
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new BundleException(file + ": cannot hash: " + e.getMessage(), e);
    }
  }

  private List<List<DenseLayer>> checkHeads(BundleManifest m, int features)
      throws BundleException {
    if (m.heads().isEmpty()) fail("heads", "needs at least one head");
    Set<String> names = new HashSet<>();
    List<List<DenseLayer>> all = new ArrayList<>();
    for (int h = 0; h < m.heads().size(); h++) {
      HeadSpec head = m.heads().get(h);
      String at = "heads[" + h + "]";
      if (head.name() == null || !HEAD_NAME.matcher(head.name()).matches()) {
        fail(at + ".name", "'" + head.name() + "' must match [a-z0-9][a-z0-9_.-]*");
      }
      at = "heads[" + h + "] (" + head.name() + ")";
      if (!names.add(head.name())) fail(at + ".name", "is used by more than one head");
      if (HeadSpec.MULTICLASS.equals(head.kind())) {
        if (head.labels().size() < 2) {
          fail(at + ".labels", "a multiclass head needs >= 2 labels, got " + head.labels().size());
        }
      } else if (HeadSpec.BINARY.equals(head.kind())) {
        if (head.labels().size() != 2) {
          fail(at + ".labels", "a binary head needs exactly 2 labels [base, positive], got "
              + head.labels().size());
        }
      } else {
        fail(at + ".kind", "'" + head.kind() + "' is unknown (allowed: multiclass, binary)");
      }
      if (new HashSet<>(head.labels()).size() != head.labels().size()) {
        fail(at + ".labels", "contains a duplicate label");
      }
      if (head.top() != null) {
        if (m.backbone().split() == null) {
          fail(at + ".top", "needs a split backbone (backbone.split)");
        }
        existing(head.top(), at + ".top");
      }
      if (head.layers().isEmpty()) fail(at + ".layers", "needs at least one layer");
      List<DenseLayer> layers = new ArrayList<>();
      int in = features;
      for (int l = 0; l < head.layers().size(); l++) {
        LayerSpec spec = head.layers().get(l);
        String lat = at + ".layers[" + l + "]";
        if (spec.weight() == null) fail(lat + ".weight", "is required");
        if (spec.bias() == null) fail(lat + ".bias", "is required");
        Activation act = Activation.fromName(spec.activation());
        if (act == null) {
          fail(lat + ".activation", "'" + spec.activation()
              + "' is unknown (allowed: relu, gelu, tanh, none)");
        }
        Npy.Array w = Npy.read(existing(spec.weight(), lat + ".weight"));
        Npy.Array b = Npy.read(existing(spec.bias(), lat + ".bias"));
        if (w.rank() != 2 || w.dim(1) != in) {
          fail(lat + ".weight", spec.weight() + " has shape " + w.shapeText() + ", expected [out, "
              + in + "]" + (l == 0 ? " (in = feature size" + (m.flipFeatures() ? ", 2F with flip"
              : "") + ")" : " (in = previous layer's out)"));
        }
        if (b.rank() != 1 || b.dim(0) != w.dim(0)) {
          fail(lat + ".bias", spec.bias() + " has shape " + b.shapeText() + ", expected ["
              + w.dim(0) + "]");
        }
        layers.add(new DenseLayer(w.dim(0), w.dim(1), w.data(), b.data(), act));
        in = w.dim(0);
      }
      if (in != head.outputCount()) {
        fail(at + ".layers", "the last layer has " + in + " outputs, a " + head.kind()
            + " head with " + head.labels().size() + " labels needs " + head.outputCount());
      }
      all.add(List.copyOf(layers));
    }
    return all;
  }

  /** Resolves a manifest path, refusing absolute paths and paths that leave the bundle. */
  private Path existing(String rel, String field) throws BundleException {
    if (rel == null || rel.isBlank()) fail(field, "is required");
    Path p;
    try {
      p = Path.of(rel);
    } catch (RuntimeException e) {
      fail(field, "'" + rel + "' is not a valid path");
      return null;
    }
    if (p.isAbsolute() || rel.startsWith("/") || rel.startsWith("\\")) {
      fail(field, "'" + rel + "' is absolute; paths must be relative to the bundle folder");
    }
    for (Path part : p) {
      if (part.toString().equals("..")) {
        fail(field, "'" + rel + "' contains '..'; paths may not leave the bundle folder");
      }
    }
    Path resolved = dir.resolve(p).normalize();
    if (!resolved.startsWith(dir)) {
      fail(field, "'" + rel + "' leaves the bundle folder (.. is not allowed)");
    }
    if (!Files.isRegularFile(resolved)) {
      fail(field, "file '" + rel + "' does not exist in " + dir);
    }
    try {
      if (!resolved.toRealPath().startsWith(dir.toRealPath())) {
        fail(field, "'" + rel + "' is a link that leaves the bundle folder");
      }
    } catch (IOException e) {
      throw new BundleException(resolved + ": cannot resolve: " + e.getMessage(), e);
    }
    return resolved;
  }

  private void fail(String field, String problem) throws BundleException {
    throw new BundleException(dir.resolve(MANIFEST) + ": " + field + ": " + problem);
  }
}
