package dev.cerberus.model.bundle;

import dev.cerberus.model.bundle.BundleManifest.BackboneSpec;
import dev.cerberus.model.bundle.BundleManifest.HeadSpec;
import dev.cerberus.model.bundle.BundleManifest.SplitSpec;
import dev.cerberus.model.bundle.BundleManifest.UnknownPolicy;
import dev.cerberus.model.heads.Activation;
import dev.cerberus.model.heads.DenseLayer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Small "separately trained" bundles on the fixtures' backbones, written with
 * {@link BundleWriter}: random head weights, real statistics files, any unknown policy.
 */
final class SourceBundles {

  /** A head to write: its layers' shapes are drawn at random from {@code seed}. */
  record Head(String name, String kind, List<String> labels, int hidden, Path ownTop) {
    static Head multiclass(String name, int k) {
      List<String> labels = new ArrayList<>();
      for (int i = 0; i < k; i++) labels.add(name + "-" + i);
      return new Head(name, HeadSpec.MULTICLASS, labels, 0, null);
    }

    static Head binary(String name) {
      return new Head(name, HeadSpec.BINARY, List.of("base", name), 0, null);
    }

    Head withHidden(int h) {
      return new Head(name, kind, labels, h, ownTop);
    }

    Head withOwnTop(Path top) {
      return new Head(name, kind, labels, hidden, top);
    }
  }

  private final Path dir;
  private final BundleWriter w;
  private final Random random;

  private SourceBundles(Path dir, long seed) throws IOException {
    this.dir = dir;
    this.w = BundleWriter.create(dir);
    this.random = new Random(seed);
  }

  static SourceBundles at(Path dir, long seed) throws IOException {
    return new SourceBundles(dir, seed);
  }

  /** An L2-normalised [rows, f] bank at {@code rel}. */
  String bank(String rel, int rows, int f) throws IOException {
    float[] b = gaussian(rows * f, 1);
    for (int r = 0; r < rows; r++) {
      double n = 0;
      for (int j = 0; j < f; j++) n += b[r * f + j] * b[r * f + j];
      for (int j = 0; j < f; j++) b[r * f + j] /= (float) Math.sqrt(n);
    }
    return w.writeArray(rel, new int[] {rows, f}, b);
  }

  String array(String rel, int[] shape, float[] data) throws IOException {
    return w.writeArray(rel, shape, data);
  }

  float[] gaussian(int n, double scale) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) out[i] = (float) (random.nextGaussian() * scale);
    return out;
  }

  /** Writes a split bundle: the split fixture's trunk, {@code top}, the heads and the policy. */
  Bundle split(Path fixture, Path top, List<Head> heads, UnknownPolicy unknown)
      throws IOException, BundleException {
    w.copyFile(fixture.resolve("trunk.pt"), "trunk.pt");
    w.copyFile(top, "top.pt");
    BackboneSpec bb = new BackboneSpec(null, new SplitSpec("trunk.pt", "top.pt"), "pooled", 8, null);
    return finish(fixture, bb, heads, unknown);
  }

  /** Writes a whole-backbone bundle on the image fixture's backbone.pt. */
  Bundle whole(Path fixture, List<Head> heads, UnknownPolicy unknown)
      throws IOException, BundleException {
    w.copyFile(fixture.resolve("backbone.pt"), "backbone.pt");
    BackboneSpec bb = new BackboneSpec("backbone.pt", null, "pooled", 8,
        BundleWriter.sha256(fixture.resolve("backbone.pt")));
    return finish(fixture, bb, heads, unknown);
  }

  private Bundle finish(Path fixture, BackboneSpec bb, List<Head> heads, UnknownPolicy unknown)
      throws IOException, BundleException {
    BundleManifest base = BundleReader.parseManifest(fixture.resolve("bundle.json"));
    List<HeadSpec> specs = new ArrayList<>();
    for (Head h : heads) {
      int out = HeadSpec.BINARY.equals(h.kind()) ? 1 : h.labels().size();
      List<DenseLayer> layers = new ArrayList<>();
      if (h.hidden() > 0) {
        layers.add(new DenseLayer(h.hidden(), 8, gaussian(h.hidden() * 8, 0.7), gaussian(h.hidden(), 0.1), Activation.RELU));
      }
      int in = h.hidden() > 0 ? h.hidden() : 8;
      layers.add(new DenseLayer(out, in, gaussian(out * in, 0.7), gaussian(out, 0.1), Activation.NONE));
      String top = h.ownTop() == null ? null : w.copyFile(h.ownTop(), "heads/" + h.name() + "/top.pt");
      specs.add(new HeadSpec(h.name(), h.kind(), h.labels(), w.writeHead(h.name(), layers), top));
    }
    return w.finish(new BundleManifest(1, dir.getFileName().toString(), "1", null, base.input(), bb,
        false, null, specs, unknown, Map.of("trainer", "SourceBundles"), Map.of("accuracy", 0.5)));
  }

  /** The bundle again with the top-level threshold replaced. */
  static Bundle withThreshold(Bundle b, double threshold) throws IOException, BundleException {
    BundleManifest m = b.manifest();
    UnknownPolicy u = m.unknown();
    UnknownPolicy t = new UnknownPolicy(u.method(), u.head(), threshold, u.calibratedTpr(),
        u.temperature(), u.gateHead(), u.means(), u.precision(), u.bank(), u.k(), u.scores(),
        u.weight(), u.mean(), u.std());
    return BundleWriter.create(b.dir()).finish(new BundleManifest(m.schemaVersion(), m.name(),
        m.version(), m.description(), m.input(), m.backbone(), m.flipFeatures(), m.flipTta(), m.heads(), t,
        m.provenance(), m.metrics()));
  }

  static UnknownPolicy policy(String method, String head) {
    return new UnknownPolicy(method, head, 0.0, 0.95, null, null, null, null, null, null, null, null, null, null);
  }

  static UnknownPolicy knn(String bank, int k) {
    return new UnknownPolicy("knn", null, 0.0, 0.95, null, null, null, null, bank, k, null, null, null, null);
  }

  static UnknownPolicy mahalanobis(String head, String means, String precision) {
    return new UnknownPolicy("mahalanobis", head, 0.0, null, null, null, means, precision, null, null, null, null, null, null);
  }

  /** A fusion over {@code parts} ({@link #part}), deciding for {@code head}. */
  static UnknownPolicy fusion(String head, UnknownPolicy... parts) {
    return new UnknownPolicy("fusion", head, 0.0, null, null, null, null, null, null, null,
        List.of(parts), null, null, null);
  }

  /** A fusion member: {@code method} (a knn member reads {@code bank}, k 2). */
  static UnknownPolicy part(String method, String bank, double weight, double mean, double std) {
    return new UnknownPolicy(method, null, null, null, null, null, null, null, bank,
        bank == null ? null : 2, null, weight, mean, std);
  }

  static UnknownPolicy gate(String head, String gateHead) {
    return new UnknownPolicy("gate", head, 0.0, null, null, gateHead, null, null, null, null, null, null, null, null);
  }
}
