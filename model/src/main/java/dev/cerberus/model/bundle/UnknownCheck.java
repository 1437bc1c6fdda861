package dev.cerberus.model.bundle;

import dev.cerberus.model.bundle.BundleManifest.HeadSpec;
import dev.cerberus.model.bundle.BundleManifest.UnknownPolicy;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Validates the unknown policies of a manifest (docs/bundle.md "unknown", "heads[]"): the
 * top-level one and each head's own, their methods, thresholds, statistics (shapes against the
 * feature width) and, for a head's own policy, {@code features}. Every failure is one line
 * naming the manifest and the field ({@code heads[2] (is-bag).unknown.threshold: ...}). Apart
 * from {@link BundleReader} to keep that file small; it reads the statistics into
 * {@code arrays}, keyed by their manifest path.
 */
final class UnknownCheck {

  /** Resolves a manifest path inside the bundle, or fails naming {@code field}. */
  interface Resolver {
    Path existing(String rel, String field) throws BundleException;
  }

  private final Path manifest;
  private final BundleManifest m;
  private final Resolver files;
  private final int features;
  private final Map<String, Npy.Array> arrays;

  UnknownCheck(Path manifest, BundleManifest m, Resolver files, int features,
      Map<String, Npy.Array> arrays) {
    this.manifest = manifest;
    this.m = m;
    this.files = files;
    this.features = features;
    this.arrays = arrays;
  }

  /** The top-level policy and every head's own policy. */
  void checkAll() throws BundleException {
    check(m.unknown(), "unknown", true, null);
    for (int h = 0; h < m.heads().size(); h++) {
      HeadSpec head = m.heads().get(h);
      if (head.hasOwnPolicy()) {
        check(head.unknown(), "heads[" + h + "] (" + head.name() + ").unknown", true, head.name());
      }
    }
  }

  /**
   * The top-level policy, a head's own policy ({@code owner} = its name), or ({@code topLevel}
   * false) a fusion part.
   */
  private void check(UnknownPolicy u, String at, boolean topLevel, String owner)
      throws BundleException {
    String method = u.method().toLowerCase(Locale.ROOT);
    if (!UnknownPolicy.METHODS.contains(method)) {
      fail(at + ".method", "'" + u.method() + "' is unknown (allowed: "
          + String.join(", ", UnknownPolicy.METHODS) + ")");
    }
    if (topLevel) {
      if (u.head() != null && m.headIndex(u.head()) < 0) {
        fail(at + ".head", "names no head ('" + u.head() + "')");
      }
      // a head's own policy scores that head: naming another one would be a second meaning
      if (owner != null && u.head() != null && !u.head().equals(owner)) {
        fail(at + ".head", "'" + u.head() + "' must be absent or '" + owner
            + "' (a head's own policy scores that head)");
      }
      if (!method.equals(UnknownPolicy.NONE) && u.threshold() == null) {
        fail(at + ".threshold", "is required for method " + method);
      }
    }
    checkFeatures(u, at, topLevel, owner);
    switch (method) {
      case UnknownPolicy.ENERGY -> {
        if (!(u.temperatureOrDefault() > 0)) fail(at + ".temperature", "must be > 0");
      }
      case UnknownPolicy.GATE -> {
        if (u.gateHead() == null) fail(at + ".gate_head", "is required for method gate");
        int g = m.headIndex(u.gateHead());
        if (g < 0) fail(at + ".gate_head", "names no head ('" + u.gateHead() + "')");
        if (!HeadSpec.BINARY.equals(m.heads().get(g).kind())) {
          fail(at + ".gate_head", "'" + u.gateHead() + "' must be a binary head");
        }
      }
      case UnknownPolicy.MAHALANOBIS -> mahalanobis(u, at);
      case UnknownPolicy.KNN -> knn(u, at);
      case UnknownPolicy.FUSION -> {
        if (!topLevel) fail(at + ".method", "fusion cannot be nested inside fusion");
        if (u.scores() == null || u.scores().isEmpty()) {
          fail(at + ".scores", "needs at least one score for method fusion");
        }
        for (int i = 0; i < u.scores().size(); i++) {
          UnknownPolicy s = u.scores().get(i);
          String sat = at + ".scores[" + i + "]";
          if (s.weight() == null) fail(sat + ".weight", "is required");
          if (s.mean() == null) fail(sat + ".mean", "is required");
          if (s.std() == null || !(s.std() > 0)) fail(sat + ".std", "is required and > 0");
          check(s, sat, false, owner);
        }
      }
      default -> {}
    }
  }

  /**
   * {@code features} belongs on a head's own feature policy only: the top-level policy always
   * reads the shared features, a fusion's members read what the fusion reads, and a method
   * that reads no features would silently ignore it. A top file needs a split backbone.
   */
  private void checkFeatures(UnknownPolicy u, String at, boolean topLevel, String owner)
      throws BundleException {
    if (u.features() == null) return;
    String field = at + ".features";
    if (owner == null && topLevel) {
      fail(field, "only a head's own policy names its features (the top-level policy reads the"
          + " shared features)");
    }
    if (!topLevel) fail(field, "set it on the head's policy, not on a fusion member");
    if (!u.readsFeatures()) {
      fail(field, "method " + u.method() + " reads no features (only mahalanobis, knn and a"
          + " fusion with one of them do)");
    }
    if (u.features() instanceof PolicyFeatures.TopFile t) {
      if (m.backbone().split() == null) {
        fail(field, "a top file needs a split backbone (backbone.split)");
      }
      files.existing(t.file(), field + ".top");
    }
  }

  private void mahalanobis(UnknownPolicy u, String at) throws BundleException {
    Npy.Array means = statistic(u.means(), at + ".means");
    Npy.Array precision = statistic(u.precision(), at + ".precision");
    if (means.rank() != 2 || means.dim(1) != features || means.dim(0) < 1) {
      fail(at + ".means", u.means() + " has shape " + means.shapeText() + ", expected [K, "
          + features + "]");
    }
    if (precision.rank() != 2 || precision.dim(0) != features || precision.dim(1) != features) {
      fail(at + ".precision", u.precision() + " has shape " + precision.shapeText()
          + ", expected [" + features + ", " + features + "]");
    }
  }

  private void knn(UnknownPolicy u, String at) throws BundleException {
    Npy.Array bank = statistic(u.bank(), at + ".bank");
    if (bank.rank() != 2 || bank.dim(1) != features || bank.dim(0) < 1) {
      fail(at + ".bank", u.bank() + " has shape " + bank.shapeText() + ", expected [N, "
          + features + "]");
    }
    if (u.kOrDefault() < 1 || u.kOrDefault() > bank.dim(0)) {
      fail(at + ".k", u.kOrDefault() + " must be in [1, " + bank.dim(0) + "] (bank rows)");
    }
  }

  private Npy.Array statistic(String rel, String field) throws BundleException {
    if (rel == null) fail(field, "is required for this method");
    Npy.Array a = arrays.get(rel);
    if (a == null) {
      a = Npy.read(files.existing(rel, field));
      arrays.put(rel, a);
    }
    return a;
  }

  private void fail(String field, String problem) throws BundleException {
    throw new BundleException(manifest + ": " + field + ": " + problem);
  }
}
