package dev.cerberus.trainer.features;

import dev.cerberus.trainer.data.Item;
import java.util.List;

/**
 * Turns items into feature vectors with the frozen backbone. {@link #extract} returns one row
 * per item, or null for an item that could not be decoded (corrupt file); {@link #specKey}
 * names everything besides the backbone file that changes the features (preprocessing).
 */
public interface FeatureSource extends AutoCloseable {

  String specKey();

  int featureSize();

  /** Rows in input order; a row is null when its item was corrupt. */
  float[][] extract(List<Item> batch);

  @Override
  void close();
}
