package dev.cerberus.trainer.report;

import java.util.List;
import java.util.Map;

/**
 * Per-head unknown policies on the held-out sets ({@code ood.per_head}; metrics.json
 * {@code unknown.per_head} and {@code unknown.overall}).
 *
 * @param heads per head with its own policy, one row per evaluation OOD set
 * @param overall the "none of these" decision over all heads
 */
public record UnknownReport(List<HeadRow> heads, Overall overall) {

  public UnknownReport {
    heads = List.copyOf(heads);
  }

  /**
   * One head's own policy against one evaluation OOD set, on the head's labelled ID test rows.
   *
   * @param idAccepted share of the head's labelled ID test rows its policy accepts
   * @param oodAccepted share of the OOD set its policy accepts
   */
  public record HeadRow(String head, String method, double threshold, double validationTpr,
      String oodSet, double auroc, double fpr95, double idAccepted, double oodAccepted) {}

  /**
   * The overall decision on the held-out sets (docs/bundle.md "Overall decision").
   *
   * @param topLevel whether the top-level policy also decides (else it is {@code none})
   * @param idAcceptedByAnyHead share of all ID test items at least one head accepts
   * @param oodRejectedByAllHeads per OOD set, the share no head accepts ("none of these")
   * @param idKnown share of all ID test items served as known (a head accepts and the
   *     top-level policy, when kept, accepts)
   * @param oodUnknown per OOD set, the share served as unknown
   */
  public record Overall(boolean topLevel, double idAcceptedByAnyHead,
      Map<String, Double> oodRejectedByAllHeads, double idKnown, Map<String, Double> oodUnknown) {

    public Overall {
      oodRejectedByAllHeads = Map.copyOf(oodRejectedByAllHeads);
      oodUnknown = Map.copyOf(oodUnknown);
    }
  }
}
