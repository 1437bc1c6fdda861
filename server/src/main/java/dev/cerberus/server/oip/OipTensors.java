package dev.cerberus.server.oip;

import java.util.List;

/** Tensor names and data types of the Cerberus mapping onto the OIP (clients/README.md). */
final class OipTensors {

  private OipTensors() {}

  /** The single input of every model. */
  static final String INPUT = "input";

  /** Per item: the decision head's label or "unknown". */
  static final String DECISION = "decision";
  /** Per item: true when the unknown policy rejected the item. */
  static final String UNKNOWN = "unknown";
  /** Per item: the OOD score of the policy. */
  static final String OOD_SCORE = "ood_score";
  /** Per item, for a head with its own unknown policy: {@code <head>_unknown}, BOOL. */
  static final String HEAD_UNKNOWN_SUFFIX = "_unknown";
  /** Per item, for a head with its own unknown policy: {@code <head>_ood_score}, FP32. */
  static final String HEAD_OOD_SCORE_SUFFIX = "_ood_score";
  /** Per item: why, the reason's wire name ("gate", "threshold", "class"), BYTES. */
  static final String REASON = "reason";
  /** Per item, for each member of a top-level fusion: {@code <member>_score}, FP32. */
  static final String MEMBER_SCORE_SUFFIX = "_score";
  /** Per item, for a head with its own unknown policy: {@code <head>_reason}, BYTES. */
  static final String HEAD_REASON_SUFFIX = "_reason";
  /** Item-level outputs, after the per-head outputs. */
  static final List<String> ITEM_OUTPUTS = List.of(DECISION, UNKNOWN, OOD_SCORE);

  static final String BYTES = "BYTES";
  static final String FP32 = "FP32";
  static final String BOOL = "BOOL";

  /** Output tensor parameter carrying a head's labels, as a JSON array, in column order. */
  static final String LABELS_PARAMETER = "labels";

  /** The platform reported in ModelMetadata. */
  static final String PLATFORM = "cerberus";
}
