package dev.cerberus.model.ood;

import dev.cerberus.model.bundle.Bundle;
import dev.cerberus.model.bundle.BundleManifest;
import dev.cerberus.model.bundle.BundleManifest.UnknownPolicy;
import dev.cerberus.model.bundle.Npy;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Builds the scorer a bundle's {@code unknown} policy describes, and the single methods. */
public final class OodScorers {

  private OodScorers() {}

  /** The scorer of a validated bundle's unknown policy. */
  public static OodScorer fromBundle(Bundle bundle) {
    BundleManifest m = bundle.manifest();
    return fromPolicy(m, m.unknown(), bundle.decisionHeadIndex(), bundle.oodArrays());
  }

  /**
   * The scorer of head {@code head}'s own policy ({@code heads[].unknown}): logit methods read
   * that head's logits; feature methods read whatever features the caller passes for it (the
   * head's own feature source).
   */
  public static OodScorer forHead(Bundle bundle, int head) {
    BundleManifest m = bundle.manifest();
    return fromPolicy(m, m.heads().get(head).unknown(), head, bundle.oodArrays());
  }

  /**
   * The scorer of one policy object.
   *
   * @param arrays the statistics named by the policy, keyed by their manifest path
   */
  public static OodScorer fromPolicy(
      BundleManifest m, UnknownPolicy p, int decisionHead, Map<String, Npy.Array> arrays) {
    return switch (p.method().toLowerCase(Locale.ROOT)) {
      case UnknownPolicy.NONE -> none();
      case UnknownPolicy.MAX_SOFTMAX -> maxSoftmax(decisionHead);
      case UnknownPolicy.ENERGY -> energy(decisionHead, p.temperatureOrDefault());
      case UnknownPolicy.GATE -> gate(m.headIndex(p.gateHead()));
      case UnknownPolicy.MAHALANOBIS ->
          mahalanobis(arrays.get(p.means()).rows(), arrays.get(p.precision()).data());
      case UnknownPolicy.KNN -> {
        Npy.Array bank = arrays.get(p.bank());
        yield knn(bank.data(), bank.dim(0), p.kOrDefault());
      }
      case UnknownPolicy.FUSION -> {
        List<UnknownPolicy> parts = p.scores();
        OodScorer[] scorers = new OodScorer[parts.size()];
        double[] w = new double[parts.size()];
        double[] mean = new double[parts.size()];
        double[] std = new double[parts.size()];
        for (int i = 0; i < scorers.length; i++) {
          UnknownPolicy s = parts.get(i);
          scorers[i] = fromPolicy(m, s, decisionHead, arrays);
          w[i] = s.weight();
          mean[i] = s.mean();
          std[i] = s.std();
        }
        yield fusion(scorers, w, mean, std);
      }
      default -> throw new IllegalArgumentException("unknown OOD method " + p.method());
    };
  }

  public static OodScorer none() {
    return (f, z) -> 0;
  }

  public static OodScorer maxSoftmax(int head) {
    return (f, z) -> OodMath.maxSoftmax(z[head]);
  }

  public static OodScorer energy(int head, double temperature) {
    return (f, z) -> OodMath.energy(z[head], temperature);
  }

  public static OodScorer gate(int binaryHead) {
    return (f, z) -> OodMath.gate(z[binaryHead][0]);
  }

  public static OodScorer mahalanobis(float[][] means, float[] precision) {
    MahalanobisScore m = new MahalanobisScore(means, precision);
    return (f, z) -> m.score(f);
  }

  public static OodScorer knn(float[] bank, int rows, int k) {
    KnnScore scorer = new KnnScore(bank, rows, k);
    return (f, z) -> scorer.score(f);
  }

  /** {@code sum_i w_i * (s_i - mean_i) / std_i}. */
  public static FusionScore fusion(OodScorer[] parts, double[] w, double[] mean, double[] std) {
    return new FusionScore(parts, w, mean, std);
  }

  /** True when the policy needs the feature vectors (so the graph copies them out). */
  public static boolean needsFeatures(UnknownPolicy p) {
    return p.readsFeatures();
  }
}
