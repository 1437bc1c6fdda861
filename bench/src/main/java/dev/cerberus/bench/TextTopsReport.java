package dev.cerberus.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The ratios of a {@link TextTopsRun} (medians of per-round values) and its files. */
final class TextTopsReport {

  static final int LAYERS = 6;
  /** Issue 13 item 4: served (b)/(c) at least this share of the ideal compute ratio. */
  static final double TARGET_SHARE_OF_IDEAL = 0.85;

  private TextTopsReport() {}

  /**
   * Ideal (b)/(c) items/s when cost is proportional to encoder layers: (c) runs all layers per
   * head, (b) the trunk's layers once plus each head's own layers. Embeddings, pooling and heads
   * are left out (a few % of a layer's cost).
   */
  static double ideal(int split, int heads) {
    return (double) heads * LAYERS / (split + heads * (LAYERS - split));
  }

  static void summarise(ObjectNode doc, ObjectNode perRound, List<Integer> splits, int heads) {
    ObjectNode out = doc.putObject("result");
    for (int s : splits) {
      ObjectNode o = out.putObject("split" + s);
      double ideal = ideal(s, heads);
      o.put("trunk_layers", s);
      o.put("own_top_layers", LAYERS - s);
      o.put("ideal_compute_ratio", Measure.round4(ideal));
      double served = put(o, perRound, "served_ratio_s" + s, "served_ratio");
      o.put("served_ratio_vs_ideal", Measure.round4(served / ideal));
      o.put("target_share_of_ideal", TARGET_SHARE_OF_IDEAL);
      o.put("held", served / ideal >= TARGET_SHARE_OF_IDEAL);
      put(o, perRound, "served_b_items_per_s_s" + s, "served_b_items_per_s");
      put(o, perRound, "served_c_items_per_s_s" + s, "served_c_items_per_s");
      double off = put(o, perRound, "offline_ratio_s" + s, "offline_ratio");
      if (Double.isFinite(off)) {
        o.put("offline_ratio_vs_ideal", Measure.round4(off / ideal));
        // below 1: serving (batching, gRPC, fan-out) loses part of what the compute gains
        o.put("served_ratio_vs_offline_ratio", Measure.round4(served / off));
        put(o, perRound, "offline_b_items_per_s_s" + s, "offline_b_items_per_s");
        put(o, perRound, "offline_c_items_per_s", "offline_c_items_per_s");
      }
    }
  }

  /** Puts the median of {@code key} over the rounds as {@code name} and the values as name_per_round. */
  private static double put(ObjectNode o, ObjectNode perRound, String key, String name) {
    List<Double> v = new ArrayList<>();
    ArrayNode each = o.putArray(name + "_per_round");
    perRound.forEach(r -> {
      if (r.has(key)) {
        v.add(r.get(key).asDouble());
        each.add(r.get(key).asDouble());
      }
    });
    double m = FullRun.median(v);
    if (Double.isFinite(m)) o.put(name, Measure.round4(m));
    else o.remove(name + "_per_round");
    return m;
  }

  static int write(ObjectNode doc, Path out, String name, ArrayNode rows) throws Exception {
    Files.createDirectories(out);
    Files.writeString(out.resolve(name + ".json"), Measure.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
    StringBuilder md = new StringBuilder("# Cerberus bench text-tops " + doc.path("started").asText() + "\n\n");
    md.append("Machine: ").append(doc.get("machine")).append("\n\nSettings: ").append(doc.get("settings"))
        .append("\n\nToken lengths: ").append(doc.path("token_lengths")).append("\n\n");
    md.append("| split | ideal | served (b)/(c) | per round | vs ideal | held (>= 0.85) | offline (b)/(c) | served/offline"
        + " | served b, c items/s | offline b, c items/s |\n|---|---:|---:|---|---:|---|---:|---:|---|---|\n");
    doc.path("result").fields().forEachRemaining(e -> {
      var o = e.getValue();
      md.append("| ").append(o.path("trunk_layers").asInt()).append("+").append(o.path("own_top_layers").asInt())
          .append(" | ").append(o.path("ideal_compute_ratio").asText()).append(" | ").append(o.path("served_ratio").asText())
          .append(" | ").append(o.path("served_ratio_per_round")).append(" | ").append(o.path("served_ratio_vs_ideal").asText())
          .append(" | ").append(o.path("held").asText()).append(" | ").append(o.path("offline_ratio").asText("-"))
          .append(" | ").append(o.path("served_ratio_vs_offline_ratio").asText("-"))
          .append(" | ").append(o.path("served_b_items_per_s").asText()).append(", ")
          .append(o.path("served_c_items_per_s").asText())
          .append(" | ").append(o.path("offline_b_items_per_s").asText("-")).append(", ")
          .append(o.path("offline_c_items_per_s").asText("-")).append(" |\n");
    });
    md.append("\n").append(Measure.markdown(rows)).append("\nOffline slices: ").append(doc.get("offline")).append("\n");
    Files.writeString(out.resolve(name + ".md"), md.toString());
    System.out.println(md);
    return 0;
  }
}
