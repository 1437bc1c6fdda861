package dev.cerberus.trainer.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One split's numbers, read from its bundle's metrics.json: per method (every method and the
 * served decision) near-OOD AUROC / FPR95 and far-OOD AUROC per set, ID test accuracy of the
 * decision head, and what the served decision was.
 *
 * @param served the served method's name in the tables ({@code auto} under ood.serve: auto)
 * @param chosen what {@code auto} chose (a method or {@code fusion(a+b)}); else = served
 */
public record SplitResult(Split split, double idAccuracy, String served, String chosen,
    Map<String, MethodResult> methods) {

  /** Methods that are not fusions of others and not the served alias: the single scores. */
  public static boolean isSingle(String method) {
    return !method.equals("fusion") && !method.equals("auto");
  }

  /** One method on one split. */
  public record MethodResult(double nearAuroc, double nearFpr95, Map<String, Double> farAuroc) {
    public MethodResult {
      farAuroc = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(farAuroc));
    }

    public double minFarAuroc() {
      return farAuroc.values().stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }
  }

  /** Reads metrics.json; {@code near} names the near-OOD set, every other OOD set is far. */
  public static SplitResult of(Split split, JsonNode metrics, String near) {
    double acc = Double.NaN;
    for (JsonNode h : metrics.path("heads")) {
      if (!h.path("gate").asBoolean()) {
        acc = h.path("accuracy").asDouble();
        break;
      }
    }
    Map<String, Double> nearAuroc = new LinkedHashMap<>();
    Map<String, Double> nearFpr = new LinkedHashMap<>();
    Map<String, Map<String, Double>> far = new LinkedHashMap<>();
    for (JsonNode o : metrics.path("ood")) {
      String m = o.path("method").asText();
      String set = o.path("ood_set").asText();
      far.computeIfAbsent(m, k -> new LinkedHashMap<>());
      if (set.equals(near)) {
        nearAuroc.put(m, o.path("auroc").asDouble());
        nearFpr.put(m, o.path("fpr95").asDouble());
      } else {
        far.get(m).put(set, o.path("auroc").asDouble());
      }
    }
    if (nearAuroc.isEmpty()) {
      throw new IllegalArgumentException(split.name() + ": metrics.json has no OOD set named "
          + near + " (--near)");
    }
    Map<String, MethodResult> methods = new LinkedHashMap<>();
    for (String m : far.keySet()) {
      methods.put(m, new MethodResult(nearAuroc.get(m), nearFpr.get(m), far.get(m)));
    }
    JsonNode u = metrics.path("unknown");
    String served = u.path("method").asText();
    String chosen = u.path("choice").path("chosen").asText(served);
    return new SplitResult(split, acc, served, chosen, methods);
  }

  /** The single method with the lowest near-OOD FPR95 on this split (the target's bar). */
  public String bestSingle() {
    List<String> singles = new ArrayList<>();
    methods.keySet().stream().filter(SplitResult::isSingle).forEach(singles::add);
    return singles.stream().min((a, b) -> Double.compare(methods.get(a).nearFpr95(),
        methods.get(b).nearFpr95())).orElseThrow();
  }
}
