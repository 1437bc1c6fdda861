package dev.cerberus.trainer.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One base topic's numbers, read from its bundle's metrics.json: per-head test accuracy; per
 * top-level method (every method and the served decision) AUROC / FPR95 against each OOD
 * source; each head's own unknown policy against each source; the overall verdict.
 *
 * @param served the served method's name in the tables ({@code auto} under ood.serve: auto)
 * @param chosen what {@code auto} chose (a method or {@code fusion(a+b)}); else = served
 * @param headMethod the per-head policies' method ({@code knn}); null without ood.per_head
 */
public record TextTopicResult(TextTopic topic, Map<String, Double> headAccuracy, String served,
    String chosen, Map<String, Map<String, Rate>> methods, String headMethod,
    Map<String, Map<String, Rate>> perHead, Overall overall) {

  /** Detection of one OOD source: AUROC (OOD positive) and FPR at 95 % TPR of ID test. */
  public record Rate(double auroc, double fpr95) {
    static Rate of(JsonNode n) {
      return new Rate(n.path("auroc").asDouble(Double.NaN), n.path("fpr95").asDouble(Double.NaN));
    }
  }

  /**
   * The overall verdict over all ID test items (metrics.json unknown.overall).
   *
   * @param idKnown ID test items the served overall verdict accepts
   * @param idAcceptedByAnyHead ID test items some head's own policy accepts
   * @param oodUnknown per source: items the served overall verdict calls unknown
   * @param oodRejectedByAllHeads per source: items no head accepts ("none of these")
   */
  public record Overall(double idKnown, double idAcceptedByAnyHead, Map<String, Double> oodUnknown,
      Map<String, Double> oodRejectedByAllHeads) {
    static Overall of(JsonNode o) {
      return new Overall(o.path("id_known").asDouble(Double.NaN),
          o.path("id_accepted_by_any_head").asDouble(Double.NaN), doubles(o.path("ood_unknown")),
          doubles(o.path("ood_rejected_by_all_heads")));
    }
  }

  public TextTopicResult {
    headAccuracy = Collections.unmodifiableMap(new LinkedHashMap<>(headAccuracy));
    methods = Collections.unmodifiableMap(new LinkedHashMap<>(methods));
    perHead = Collections.unmodifiableMap(new LinkedHashMap<>(perHead));
  }

  /** Reads metrics.json of one topic's bundle. */
  public static TextTopicResult of(TextTopic topic, JsonNode metrics) {
    Map<String, Double> acc = new LinkedHashMap<>();
    for (JsonNode h : metrics.path("heads")) {
      if (!h.path("gate").asBoolean()) {
        acc.put(h.path("head").asText(), h.path("accuracy").asDouble());
      }
    }
    Map<String, Map<String, Rate>> methods = new LinkedHashMap<>();
    for (JsonNode o : metrics.path("ood")) {
      methods.computeIfAbsent(o.path("method").asText(), k -> new LinkedHashMap<>())
          .put(o.path("ood_set").asText(), Rate.of(o));
    }
    if (methods.isEmpty()) {
      throw new IllegalArgumentException(topic.name() + ": metrics.json has no OOD rows"
          + " (the template needs ood_sets)");
    }
    JsonNode u = metrics.path("unknown");
    String served = u.path("method").asText();
    String chosen = u.path("choice").path("chosen").asText(served);
    Map<String, Map<String, Rate>> perHead = new LinkedHashMap<>();
    String headMethod = null;
    for (var e : iterable(u.path("per_head"))) {
      headMethod = e.getValue().path("method").asText();
      Map<String, Rate> sets = new LinkedHashMap<>();
      e.getValue().path("ood").fields().forEachRemaining(s -> sets.put(s.getKey(),
          Rate.of(s.getValue())));
      perHead.put(e.getKey(), sets);
    }
    Overall overall = u.has("overall") ? Overall.of(u.path("overall")) : null;
    return new TextTopicResult(topic, acc, served, chosen, methods, headMethod, perHead, overall);
  }

  /** Mean test accuracy over the heads (every head has the same number of test rows). */
  public double meanAccuracy() {
    return headAccuracy.values().stream().mapToDouble(Double::doubleValue).average()
        .orElse(Double.NaN);
  }

  /** The single method (not fusion, not the served alias) with the lowest FPR95 on SET. */
  public String bestSingle(String set) {
    return methods.entrySet().stream().filter(e -> SplitResult.isSingle(e.getKey()))
        .filter(e -> e.getValue().containsKey(set))
        .min((a, b) -> Double.compare(a.getValue().get(set).fpr95(),
            b.getValue().get(set).fpr95()))
        .map(Map.Entry::getKey).orElseThrow();
  }

  private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode n) {
    return n::fields;
  }

  private static Map<String, Double> doubles(JsonNode n) {
    Map<String, Double> out = new LinkedHashMap<>();
    n.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asDouble()));
    return out;
  }
}
