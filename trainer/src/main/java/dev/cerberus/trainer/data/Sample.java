package dev.cerberus.trainer.data;

import java.util.Map;

/**
 * An item with the labels it has: task name to label. A task absent from the map has no label
 * for this sample, so it adds no loss and no gradient to that task's head.
 */
public record Sample(Item item, Map<String, String> labels) {
  public Sample {
    labels = Map.copyOf(labels);
  }
}
