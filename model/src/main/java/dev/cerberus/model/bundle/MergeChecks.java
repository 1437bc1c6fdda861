package dev.cerberus.model.bundle;

import dev.cerberus.model.bundle.BundleManifest.ImageSpec;
import dev.cerberus.model.bundle.BundleManifest.InputSpec;
import dev.cerberus.model.bundle.BundleManifest.TextSpec;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What separately trained bundles must share to be merged: the same trunk (by sha256), the same
 * input pipeline and features, and distinct head names. Each refusal is one line naming both
 * bundles, the field and both values, because merged outputs must equal every source's.
 */
final class MergeChecks {

  private MergeChecks() {}

  static void check(List<MergeSource> sources) throws BundleException {
    for (MergeSource s : sources) {
      // the merged bundle decides by "none of these" over its sources' policies; a source's
      // gate step has no place in that, and dropping it would change the source's verdicts
      if (s.manifest().decision().gate() != null) {
        throw new BundleException("cannot merge " + s.label() + ": decision.gate: a source's gate"
            + " cascade cannot carry over (a merged bundle decides by 'none of these' over its"
            + " sources' policies); merge a version without the decision section");
      }
    }
    MergeSource first = sources.get(0);
    for (MergeSource s : sources.subList(1, sources.size())) compare(first, s);
    Map<String, MergeSource> owner = new HashMap<>();
    for (MergeSource s : sources) {
      for (var head : s.manifest().heads()) {
        MergeSource before = owner.putIfAbsent(head.name(), s);
        if (before != null) {
          throw new BundleException("cannot merge " + before.label() + " and " + s.label()
              + ": heads: both have a head named '" + head.name() + "' (head names must be unique)");
        }
      }
    }
  }

  private static void compare(MergeSource a, MergeSource b) throws BundleException {
    BundleManifest x = a.manifest();
    BundleManifest y = b.manifest();
    same(a, b, "backbone", a.split() ? "split" : "file", b.split() ? "split" : "file");
    same(a, b, a.split() ? "backbone.split.trunk sha256" : "backbone.file sha256",
        a.backboneSha256(), b.backboneSha256());
    same(a, b, "backbone.output", x.backbone().output(), y.backbone().output());
    same(a, b, "backbone.feature_size", x.backbone().featureSize(), y.backbone().featureSize());
    same(a, b, "flip_features", x.flipFeatures(), y.flipFeatures());
    same(a, b, "flip_tta", x.flip() == FlipMode.TTA, y.flip() == FlipMode.TTA);
    same(a, b, "input.kind", x.input().kind(), y.input().kind());
    switch (x.input().kind()) {
      case InputSpec.IMAGE -> image(a, b, x.input().image(), y.input().image());
      case InputSpec.TEXT -> text(a, b, x.input().text(), y.input().text());
      default -> same(a, b, "input.tensor.shape", Arrays.toString(x.input().tensor().shape()),
          Arrays.toString(y.input().tensor().shape()));
    }
  }

  private static void image(MergeSource a, MergeSource b, ImageSpec x, ImageSpec y)
      throws BundleException {
    same(a, b, "input.image.width", x.width(), y.width());
    same(a, b, "input.image.height", x.height(), y.height());
    same(a, b, "input.image.resize", x.resize(), y.resize());
    same(a, b, "input.image.channels", x.channels(), y.channels());
    same(a, b, "input.image.scale", x.scale(), y.scale());
    same(a, b, "input.image.mean", Arrays.toString(x.mean()), Arrays.toString(y.mean()));
    same(a, b, "input.image.std", Arrays.toString(x.std()), Arrays.toString(y.std()));
  }

  private static void text(MergeSource a, MergeSource b, TextSpec x, TextSpec y)
      throws BundleException {
    same(a, b, "input.text.tokenizer sha256", a.tokenizerSha256(), b.tokenizerSha256());
    same(a, b, "input.text.max_tokens", x.maxTokens(), y.maxTokens());
    same(a, b, "input.text.pooling", x.pooling(), y.pooling());
    same(a, b, "input.text.buckets", Arrays.toString(x.buckets()), Arrays.toString(y.buckets()));
  }

  private static void same(MergeSource a, MergeSource b, String field, Object va, Object vb)
      throws BundleException {
    if (!Objects.equals(va, vb)) {
      throw new BundleException("cannot merge " + a.label() + " and " + b.label() + ": " + field
          + " differs (" + va + " vs " + vb + ")");
    }
  }
}
