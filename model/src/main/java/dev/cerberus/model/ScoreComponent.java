package dev.cerberus.model;

/**
 * One member of a fusion policy for one item: the member's own score and its share of the
 * fused score, {@code weight * (score - mean) / std}; the contributions sum to the fused score.
 *
 * @param name the member's name: its method, with {@code _2}, {@code _3} ... for repeats
 * @param score the member's raw score (higher = more unknown)
 * @param contribution the member's term of the fused score
 */
public record ScoreComponent(String name, float score, float contribution) {}
