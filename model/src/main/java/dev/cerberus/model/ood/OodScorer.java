package dev.cerberus.model.ood;

/**
 * One unknown-policy score for one item; higher means more likely out-of-distribution.
 * Implementations are immutable and thread-safe, so the trainer calibrates thresholds with
 * exactly the objects the server scores with.
 */
@FunctionalInterface
public interface OodScorer {

  /**
   * @param features the item's feature vector (the heads' input, 2F with flip features)
   * @param headLogits the item's logits of every head, in bundle order (binary heads: one)
   */
  double score(float[] features, float[][] headLogits);
}
