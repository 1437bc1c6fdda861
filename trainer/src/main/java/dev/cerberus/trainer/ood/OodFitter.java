package dev.cerberus.trainer.ood;

import dev.cerberus.model.bundle.BundleManifest.UnknownPolicy;
import dev.cerberus.model.bundle.Npy;
import dev.cerberus.model.ood.OodScorer;
import dev.cerberus.model.ood.OodScorers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fits each configured OOD method on in-distribution training features and wraps it in the
 * model module's scorer, so the numbers calibrated here are the numbers the server computes.
 */
public final class OodFitter {

  /** Inputs shared by all methods. */
  public record Inputs(
      String decisionHead, int decisionHeadIndex, int classes, String gateHead,
      int gateHeadIndex, float[][] trainFeatures, int[] trainLabels, double temperature,
      int knnK, int knnBankSize, double shrinkage, long seed) {}

  private OodFitter() {}

  public static FittedScore fit(String method, Inputs in) {
    return switch (method) {
      case "max_softmax" -> new FittedScore(method, OodScorers.maxSoftmax(in.decisionHeadIndex()),
          policy(method, in.decisionHead()), Map.of());
      case "energy" -> new FittedScore(method,
          OodScorers.energy(in.decisionHeadIndex(), in.temperature()),
          withTemperature(policy(method, in.decisionHead()), in.temperature()), Map.of());
      case "gate" -> {
        if (in.gateHeadIndex() < 0) {
          throw new IllegalArgumentException("gate: no gate head was trained");
        }
        UnknownPolicy p = new UnknownPolicy("gate", in.decisionHead(), null, null, null,
            in.gateHead(), null, null, null, null, null, null, null, null);
        yield new FittedScore(method, OodScorers.gate(in.gateHeadIndex()), p, Map.of());
      }
      case "mahalanobis" -> {
        float[][] means = FeatureStatistics.classMeans(in.trainFeatures(), in.trainLabels(),
            in.classes());
        float[] precision = FeatureStatistics.sharedPrecision(in.trainFeatures(),
            in.trainLabels(), means, in.shrinkage());
        int f = means[0].length;
        float[] flatMeans = new float[means.length * f];
        for (int c = 0; c < means.length; c++) {
          System.arraycopy(means[c], 0, flatMeans, c * f, f);
        }
        Map<String, Npy.Array> files = new LinkedHashMap<>();
        files.put("ood/mahalanobis_means.npy", new Npy.Array(new int[] {means.length, f}, flatMeans));
        files.put("ood/mahalanobis_precision.npy", new Npy.Array(new int[] {f, f}, precision));
        UnknownPolicy p = new UnknownPolicy("mahalanobis", in.decisionHead(), null, null, null,
            null, "ood/mahalanobis_means.npy", "ood/mahalanobis_precision.npy", null, null, null,
            null, null, null);
        yield new FittedScore(method, OodScorers.mahalanobis(means, precision), p, files);
      }
      case "knn" -> {
        int[] rows = new int[1];
        float[] bank = FeatureStatistics.normalisedBank(labelledRows(in), in.knnBankSize(),
            in.seed(), rows);
        int f = in.trainFeatures()[0].length;
        UnknownPolicy p = new UnknownPolicy("knn", in.decisionHead(), null, null, null, null,
            null, null, "ood/knn_bank.npy", in.knnK(), null, null, null, null);
        yield new FittedScore(method, OodScorers.knn(bank, rows[0], in.knnK()), p,
            Map.of("ood/knn_bank.npy", new Npy.Array(new int[] {rows[0], f}, bank)));
      }
      default -> throw new IllegalArgumentException("unknown OOD method " + method);
    };
  }

  /**
   * A fusion of already fitted methods: each z-scored with the mean and standard deviation of
   * its in-distribution validation scores, equal weights.
   */
  public static FittedScore fuse(List<FittedScore> parts, List<double[]> idValScores,
      String decisionHead) {
    int m = parts.size();
    OodScorer[] scorers = new OodScorer[m];
    double[] w = new double[m];
    double[] mean = new double[m];
    double[] std = new double[m];
    List<UnknownPolicy> policies = new ArrayList<>();
    Map<String, Npy.Array> files = new LinkedHashMap<>();
    for (int i = 0; i < m; i++) {
      double[] s = idValScores.get(i);
      double mu = 0;
      for (double v : s) {
        mu += v;
      }
      mu /= s.length;
      double var = 0;
      for (double v : s) {
        var += (v - mu) * (v - mu);
      }
      double sd = Math.max(Math.sqrt(var / Math.max(s.length - 1, 1)), 1e-12);
      scorers[i] = parts.get(i).scorer();
      w[i] = 1.0 / m;
      mean[i] = mu;
      std[i] = sd;
      UnknownPolicy p = parts.get(i).policy();
      policies.add(new UnknownPolicy(p.method(), null, null, null, p.temperature(), p.gateHead(),
          p.means(), p.precision(), p.bank(), p.k(), null, w[i], mu, sd));
      files.putAll(parts.get(i).files());
    }
    UnknownPolicy fused = new UnknownPolicy("fusion", decisionHead, null, null, null, null, null,
        null, null, null, policies, null, null, null);
    return new FittedScore("fusion", OodScorers.fusion(scorers, w, mean, std), fused, files);
  }

  /**
   * Fusion scores from the components' scores, in the same order of operations as
   * {@code OodScorers.fusion} (so the values equal what the server computes per item).
   */
  public static <K> Map<K, double[]> fusedScores(FittedScore fusion,
      List<Map<K, double[]>> partScores) {
    List<UnknownPolicy> parts = fusion.policy().scores();
    Map<K, double[]> out = new LinkedHashMap<>();
    for (K set : partScores.get(0).keySet()) {
      int n = partScores.get(0).get(set).length;
      double[] s = new double[n];
      for (int i = 0; i < n; i++) {
        double v = 0;
        for (int p = 0; p < parts.size(); p++) {
          UnknownPolicy q = parts.get(p);
          v += q.weight() * (partScores.get(p).get(set)[i] - q.mean()) / q.std();
        }
        s[i] = v;
      }
      out.put(set, s);
    }
    return out;
  }

  /** The policy with the calibrated threshold and target filled in. */
  public static UnknownPolicy calibrated(UnknownPolicy p, double threshold, double tpr) {
    return new UnknownPolicy(p.method(), p.head(), threshold, tpr, p.temperature(), p.gateHead(),
        p.means(), p.precision(), p.bank(), p.k(), p.scores(), p.weight(), p.mean(), p.std());
  }

  private static float[][] labelledRows(Inputs in) {
    List<float[]> rows = new ArrayList<>();
    for (int i = 0; i < in.trainFeatures().length; i++) {
      if (in.trainLabels()[i] >= 0) {
        rows.add(in.trainFeatures()[i]);
      }
    }
    return rows.toArray(new float[0][]);
  }

  private static UnknownPolicy policy(String method, String head) {
    return new UnknownPolicy(method, head, null, null, null, null, null, null, null, null, null,
        null, null, null);
  }

  private static UnknownPolicy withTemperature(UnknownPolicy p, double t) {
    return new UnknownPolicy(p.method(), p.head(), null, null, t, null, null, null, null, null,
        null, null, null, null);
  }
}
