package dev.cerberus.trainer.stage;

import dev.cerberus.trainer.finetune.TunedTop;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@link TopStage}'s output.
 *
 * @param features what each head reads from here on
 * @param topFile the split backbone's shared top as the bundle will serve it, or null for a
 *     backbone that is not split (may be the config's own file: never delete it, delete
 *     {@code workDir})
 * @param fineTune what fine-tuning the shared top did, or null when it was not fine-tuned
 * @param ownTops head name -> its own fine-tuned top ({@code heads[].top: own}), config order
 * @param workDir temporary folder of the tuned top files, or null; the run deletes it
 * @param shared every set's features from the shared top (the backbone's, when not split)
 */
public record Tops(HeadFeatures features, Path topFile, FineTuneReport fineTune,
    Map<String, TunedTop> ownTops, Path workDir, FeatureSets shared) {

  public Tops {
    ownTops = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(ownTops));
  }

  /** Every head reads the backbone's rows as they are. */
  static Tops unsplit(HeadFeatures features) {
    return new Tops(features, null, null, Map.of(), null, features.of(0));
  }

  /**
   * The rows the top-level unknown policy's feature methods (mahalanobis, knn) are fitted and
   * scored on: the server scores that policy on the shared features, also when the decision
   * head has its own top (docs/bundle.md), so the trainer fits it there too; the decision
   * head's logits (max_softmax, energy) still come from its own top.
   */
  public HeadFeatures forUnknownPolicy(String decisionHead) {
    return ownTops.containsKey(decisionHead) ? features.withHead(decisionHead, shared) : features;
  }

  /** metrics.json's {@code extraction.own_tops}: per head, its epochs and seconds. */
  public Map<String, Object> ownTopsReport() {
    Map<String, Object> m = new LinkedHashMap<>();
    ownTops.forEach((head, t) -> m.put(head, FineTuneReport.of(t).report()));
    return m;
  }

  /** Deletes the temporary tuned top files (the bundle has its copies by now). */
  public void deleteWork() throws IOException {
    deleteTree(workDir);
  }

  static void deleteTree(Path dir) throws IOException {
    if (dir == null || !Files.exists(dir)) return;
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }
}
