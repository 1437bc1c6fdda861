package dev.cerberus.trainer.stage;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What feature extraction did (metrics.json's {@code extraction}).
 *
 * @param backboneSha256 the cached file's hash (the trunk's for a split backbone)
 * @param corruptFiles the first corrupt files skipped (at most {@link #LISTED_CORRUPT})
 */
public record Extraction(String backboneSha256, String cacheDir, int cacheHits, long extracted,
    double seconds, int batchSize, int corruptSkipped, List<String> corruptFiles) {

  /** How many corrupt files metrics.json lists by name. */
  public static final int LISTED_CORRUPT = 50;

  public Extraction {
    corruptFiles = List.copyOf(corruptFiles.subList(0, Math.min(LISTED_CORRUPT, corruptFiles.size())));
  }

  public double itemsPerSecond() {
    return seconds > 0 ? extracted / seconds : 0.0;
  }

  /** The metrics.json section; {@code fineTune} (null: none) is the top stage's report. */
  public Map<String, Object> report(Map<String, Object> fineTune) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("backbone_sha256", backboneSha256);
    m.put("cache_dir", cacheDir);
    m.put("cache_hits", cacheHits);
    m.put("extracted", extracted);
    m.put("extract_seconds", seconds);
    m.put("items_per_second", seconds > 0 ? extracted / seconds : null);
    m.put("batch_size", batchSize);
    m.put("corrupt_skipped", corruptSkipped);
    m.put("corrupt_files", corruptFiles);
    if (fineTune != null) {
      m.put("fine_tune", fineTune);
    }
    return m;
  }
}
