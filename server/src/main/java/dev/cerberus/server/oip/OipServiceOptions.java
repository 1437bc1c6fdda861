package dev.cerberus.server.oip;

import dev.cerberus.server.inference.RepositoryAdmin;

/**
 * What the OIP service reports and allows beyond inference.
 *
 * @param admin whether RepositoryModelLoad/Unload are allowed, and the unload drain timeout
 *     (cerberus.repository.admin, cerberus.repository.unload-timeout-seconds)
 * @param device the engine device, reported by ModelConfig's instance_group
 *     (cerberus.engine.device)
 */
public record OipServiceOptions(RepositoryAdmin.Settings admin, String device) {

  public static OipServiceOptions defaults() {
    return new OipServiceOptions(RepositoryAdmin.Settings.defaults(), "cpu");
  }
}
