package dev.cerberus.model.graph;

import dev.cerberus.model.GraphOptions;
import dev.cerberus.model.ServableModel;
import dev.cerberus.model.bundle.BundleException;
import java.nio.file.Path;

/** Placeholder while the graph is built; replaced in the next commit. */
public final class MultiHeadGraph {
  private MultiHeadGraph() {}

  public static ServableModel load(Path bundleDir, GraphOptions options) throws BundleException {
    throw new BundleException(bundleDir + ": the multi-head graph is not implemented yet");
  }
}
