package dev.cerberus.client.cli;

import dev.cerberus.proto.v1.HeadInfo;
import dev.cerberus.proto.v1.ItemResult;
import dev.cerberus.proto.v1.ModelInfo;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Tally of image results whose true label is the name of the folder holding the file
 * ({@code examples/images/fashion/trouser/1.png} is a trouser). A folder whose name is one of
 * the model's labels is a known class: right = given its label, unknown = refused, wrong =
 * another label. Any other folder is a class the model has not seen: the right decision is
 * unknown, and any label is wrong. Both count toward the right decisions.
 */
final class FolderSummary {
  private record Tally(int right, int unknown, int wrong, int errors) {
    static final Tally ZERO = new Tally(0, 0, 0, 0);

    Tally plus(Tally o) {
      return new Tally(right + o.right, unknown + o.unknown, wrong + o.wrong, errors + o.errors);
    }

    int total() {
      return right + unknown + wrong + errors;
    }

    /** Given a known label, right or not: what an unseen class should never get. */
    int classified() {
      return right + wrong;
    }
  }

  private static final String ROW = "    %-20s %6s %7s %8s %7s%n";

  private final String model;
  private final Set<String> known;
  private final Set<String> knownSlugs;
  private final Map<String, Tally> byFolder = new TreeMap<>();

  FolderSummary(String model, Collection<String> knownLabels) {
    this.model = model;
    this.known = new TreeSet<>(knownLabels);
    this.knownSlugs = knownLabels.stream().map(FolderSummary::slug).collect(Collectors.toSet());
  }

  /**
   * The labels a decision can name: those of the head the unknown policy decides on; without
   * one (per-head policies only), every head's labels except binary heads' base labels.
   */
  static List<String> knownLabels(ModelInfo info) {
    String decisionHead = info.getUnknownPolicy().getDecisionHead();
    for (HeadInfo h : info.getHeadsList()) {
      if (!decisionHead.isEmpty() && h.getName().equals(decisionHead)) {
        return h.getLabelsList();
      }
    }
    return info.getHeadsList().stream().flatMap(h -> h.getLabelsList().stream()
        .filter(l -> !l.equals(h.getBaseLabel()))).distinct().toList();
  }

  synchronized void add(ItemResult result) {
    Path parent = Path.of(result.getId()).getParent();
    String truth = parent == null || parent.getFileName() == null
        ? "(none)" : parent.getFileName().toString();
    Tally one;
    if (!result.hasPrediction()) {
      one = new Tally(0, 0, 0, 1);
    } else if (result.getPrediction().getUnknown()) {
      one = new Tally(0, 1, 0, 0);
    } else if (slug(result.getPrediction().getDecision()).equals(slug(truth))) {
      one = new Tally(1, 0, 0, 0);
    } else {
      one = new Tally(0, 0, 1, 0);
    }
    byFolder.merge(truth, one, Tally::plus);
  }

  /** Folder names cannot hold every label as is: "T-shirt/top" is stored as t-shirt-top. */
  static String slug(String label) {
    return label.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}]+", "-")
        .replaceAll("^-|-$", "");
  }

  private boolean isKnown(String folder) {
    return knownSlugs.contains(slug(folder));
  }

  synchronized void print(PrintWriter w) {
    w.println("summary (true label = the file's folder); model " + model + " knows: "
        + String.join(", ", known));
    Tally knownAll = printKnown(w);
    Tally unseenAll = printUnseen(w);
    int right = knownAll.right() + unseenAll.unknown();
    w.printf("  right decisions: %d of %d (known classes: %d of %d given their label;"
            + " unseen classes: %d of %d called unknown)%n", right,
        knownAll.total() + unseenAll.total(), knownAll.right(), knownAll.total(),
        unseenAll.unknown(), unseenAll.total());
    w.flush();
  }

  private Tally printKnown(PrintWriter w) {
    w.println("  known classes (right = its label, unknown = refused, wrong = another label):");
    w.printf("    %-20s %6s %7s %8s %7s %7s%n", "label", "items", "right", "unknown", "wrong",
        "errors");
    Tally all = Tally.ZERO;
    for (Map.Entry<String, Tally> e : byFolder.entrySet()) {
      if (isKnown(e.getKey())) {
        Tally t = e.getValue();
        knownRow(w, e.getKey(), t);
        all = all.plus(t);
      }
    }
    knownRow(w, "all known", all);
    return all;
  }

  private static void knownRow(PrintWriter w, String label, Tally t) {
    w.printf("    %-20s %6d %7d %8d %7d %7d%n", label, t.total(), t.right(), t.unknown(),
        t.wrong(), t.errors());
  }

  private Tally printUnseen(PrintWriter w) {
    w.println("  unseen classes (right = called unknown, wrong = given a known label):");
    w.printf(ROW, "label", "items", "unknown", "labelled", "errors");
    Tally all = Tally.ZERO;
    for (Map.Entry<String, Tally> e : byFolder.entrySet()) {
      if (!isKnown(e.getKey())) {
        Tally t = e.getValue();
        unseenRow(w, e.getKey(), t);
        all = all.plus(t);
      }
    }
    unseenRow(w, "all unseen", all);
    return all;
  }

  private static void unseenRow(PrintWriter w, String label, Tally t) {
    w.printf(ROW, label, t.total(), t.unknown(), t.classified(), t.errors());
  }
}
