package dev.cerberus.model.graph;

import dev.cerberus.model.bundle.Bundle;
import dev.cerberus.model.bundle.BundleManifest;
import dev.cerberus.model.bundle.BundleManifest.HeadSpec;
import dev.cerberus.model.bundle.BundleManifest.UnknownPolicy;
import dev.cerberus.model.bundle.PolicyFeatures;
import java.util.ArrayList;
import java.util.List;

/**
 * Which feature source each head and each head's own unknown policy reads. Source 0 is the
 * shared features (the backbone, or {@code backbone.split.top}); sources 1.. are the other top
 * files, one per distinct file, whoever reads it: a head's {@code top}, or a policy's
 * {@code features: {"top": FILE}} (a merged bundle's source shared top that no head reads).
 * A file is one source however many heads and policies name it, so each top runs once per
 * batch; a top naming the shared top's file is source 0.
 *
 * @param ownTops the files of sources 1.., absolute paths
 * @param headSource per head, the source its layers read
 * @param policySource per head, the source its own policy's features come from (its head's
 *     source for {@code own}, 0 for {@code shared}); -1 for a head without a policy
 */
record FeatureSources(List<String> ownTops, int[] headSource, int[] policySource) {

  static FeatureSources plan(Bundle bundle) {
    BundleManifest m = bundle.manifest();
    String shared = m.backbone().split() == null
        ? null : bundle.resolve(m.backbone().split().top()).toString();
    List<String> tops = new ArrayList<>();
    int n = m.heads().size();
    int[] heads = new int[n];
    int[] policies = new int[n];
    for (int h = 0; h < n; h++) {
      HeadSpec head = m.heads().get(h);
      heads[h] = head.top() == null ? 0 : source(bundle.resolve(head.top()).toString(), shared, tops);
    }
    for (int h = 0; h < n; h++) {
      UnknownPolicy p = m.heads().get(h).unknown();
      PolicyFeatures f = p == null ? null : p.featuresOrDefault();
      if (f == null) {
        policies[h] = -1;
      } else if (f instanceof PolicyFeatures.TopFile t) {
        policies[h] = source(bundle.resolve(t.file()).toString(), shared, tops);
      } else {
        policies[h] = f instanceof PolicyFeatures.Shared ? 0 : heads[h];
      }
    }
    return new FeatureSources(List.copyOf(tops), heads, policies);
  }

  /** The source of {@code file}: 0 for the shared top, else its index in {@code tops} + 1. */
  private static int source(String file, String shared, List<String> tops) {
    if (file.equals(shared)) return 0;
    int known = tops.indexOf(file);
    if (known < 0) {
      tops.add(file);
      known = tops.size() - 1;
    }
    return known + 1;
  }

  /** Number of sources: the shared one and one per other top file. */
  int count() {
    return 1 + ownTops.size();
  }
}
