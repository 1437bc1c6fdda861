package dev.cerberus.client.cli;

import dev.cerberus.client.CerberusClient;
import dev.cerberus.proto.v1.ModelSummary;
import java.util.List;

/** The model a command talks to: the one named, else the only one the server serves. */
final class ModelChoice {
  private ModelChoice() {}

  static String resolve(CerberusClient client, String named) {
    if (named != null && !named.isBlank()) {
      return named;
    }
    List<String> names =
        client.listModels().getModelsList().stream().map(ModelSummary::getName).toList();
    if (names.size() == 1) {
      return names.get(0);
    }
    if (names.isEmpty()) {
      throw new IllegalStateException("the server at " + client.targets().get(0)
          + " serves no models");
    }
    throw new IllegalStateException("the server serves several models ("
        + String.join(", ", names) + "); choose one with --model");
  }
}
