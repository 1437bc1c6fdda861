package dev.cerberus.model;

import java.util.List;

/**
 * One head's answer for one item.
 *
 * @param head head name from the bundle
 * @param label the most probable label
 * @param labels all labels, in the head's order
 * @param probabilities one per label, same order (binary heads: [1 - p, p])
 */
public record HeadPrediction(String head, String label, List<String> labels, float[] probabilities) {}
