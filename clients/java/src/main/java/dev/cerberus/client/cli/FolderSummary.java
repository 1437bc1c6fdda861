package dev.cerberus.client.cli;

import dev.cerberus.proto.v1.ItemResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Tally of image results whose true label is the name of the folder holding the file
 * ({@code examples/images/fashion/Trouser/1.png} is a Trouser): decided right, unknown, wrong.
 */
final class FolderSummary {
  private record Tally(int right, int unknown, int wrong, int errors) {
    Tally plus(int r, int u, int w, int e) {
      return new Tally(right + r, unknown + u, wrong + w, errors + e);
    }

    int total() {
      return right + unknown + wrong + errors;
    }
  }

  private final Map<String, Tally> byLabel = new TreeMap<>();

  synchronized void add(ItemResult result) {
    Path parent = Path.of(result.getId()).getParent();
    String truth = parent == null || parent.getFileName() == null
        ? "(none)" : parent.getFileName().toString();
    Tally t = byLabel.getOrDefault(truth, new Tally(0, 0, 0, 0));
    if (!result.hasPrediction()) {
      t = t.plus(0, 0, 0, 1);
    } else if (result.getPrediction().getUnknown()) {
      t = t.plus(0, 1, 0, 0);
    } else if (slug(result.getPrediction().getDecision()).equals(slug(truth))) {
      t = t.plus(1, 0, 0, 0);
    } else {
      t = t.plus(0, 0, 1, 0);
    }
    byLabel.put(truth, t);
  }

  /** Folder names cannot hold every label as is: "T-shirt/top" is stored as t-shirt-top. */
  static String slug(String label) {
    return label.toLowerCase(java.util.Locale.ROOT).replaceAll("[^\\p{L}\\p{N}]+", "-")
        .replaceAll("^-|-$", "");
  }

  synchronized void print(PrintWriter w) {
    w.println("summary (true label = the file's folder):");
    w.printf("  %-20s %6s %6s %8s %6s %6s%n", "label", "items", "right", "unknown", "wrong",
        "errors");
    Tally all = new Tally(0, 0, 0, 0);
    for (Map.Entry<String, Tally> e : byLabel.entrySet()) {
      Tally t = e.getValue();
      w.printf("  %-20s %6d %6d %8d %6d %6d%n", e.getKey(), t.total(), t.right(), t.unknown(),
          t.wrong(), t.errors());
      all = all.plus(t.right(), t.unknown(), t.wrong(), t.errors());
    }
    w.printf("  %-20s %6d %6d %8d %6d %6d%n", "all", all.total(), all.right(), all.unknown(),
        all.wrong(), all.errors());
    w.flush();
  }
}
