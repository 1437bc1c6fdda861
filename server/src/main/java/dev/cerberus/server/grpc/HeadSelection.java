package dev.cerberus.server.grpc;

import dev.cerberus.model.bundle.BundleManifest;
import dev.cerberus.model.bundle.BundleManifest.HeadSpec;
import io.grpc.Status;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Which heads of a bundle a request asked to see (all when it named none). The forward pass
 * always computes every head (that is what makes them cheap); this only filters the reply.
 */
record HeadSelection(boolean[] reported) {

  static HeadSelection of(String model, BundleManifest manifest, List<String> requested) {
    List<HeadSpec> heads = manifest.heads();
    boolean[] mask = new boolean[heads.size()];
    if (requested.isEmpty()) {
      java.util.Arrays.fill(mask, true);
      return new HeadSelection(mask);
    }
    for (String name : requested) {
      int index = manifest.headIndex(name);
      if (index < 0) {
        throw Status.NOT_FOUND.withDescription("model '" + model + "' has no head '" + Echo.of(name)
                + "'; its heads: "
                + heads.stream().map(HeadSpec::name).collect(Collectors.joining(", ")))
            .asRuntimeException();
      }
      mask[index] = true;
    }
    return new HeadSelection(mask);
  }

  boolean includes(int headIndex) {
    return headIndex < reported.length && reported[headIndex];
  }
}
