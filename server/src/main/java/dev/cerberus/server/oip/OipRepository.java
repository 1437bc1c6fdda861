package dev.cerberus.server.oip;

import dev.cerberus.proto.oip.ModelRepositoryParameter;
import dev.cerberus.proto.oip.RepositoryIndexRequest;
import dev.cerberus.proto.oip.RepositoryIndexResponse;
import dev.cerberus.proto.oip.RepositoryModelLoadRequest;
import dev.cerberus.proto.oip.RepositoryModelUnloadRequest;
import dev.cerberus.server.grpc.Echo;
import dev.cerberus.server.inference.RepositoryAdmin;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Map;
import java.util.Set;

/**
 * Triton's repository RPCs mapped onto {@link RepositoryAdmin}. Cerberus serves one repository
 * (repository_name: empty or its folder name). Load and unload take one optional parameter,
 * {@code version} (string or int64), to act on one version folder; Triton's {@code config} and
 * {@code file:} overrides are refused (bundles load from the repository folder only), and
 * unload's {@code unload_dependents} is accepted and has nothing to act on (no ensembles).
 */
final class OipRepository {

  static final String VERSION_PARAMETER = "version";
  private static final Set<String> UNLOAD_IGNORED = Set.of("unload_dependents");

  private OipRepository() {}

  static RepositoryIndexResponse index(RepositoryAdmin admin, RepositoryIndexRequest request) {
    checkRepository(admin, request.getRepositoryName());
    RepositoryIndexResponse.Builder out = RepositoryIndexResponse.newBuilder();
    for (RepositoryAdmin.Entry e : admin.index(request.getReady())) {
      out.addModels(RepositoryIndexResponse.ModelIndex.newBuilder().setName(e.name())
          .setVersion(e.version()).setState(e.state().name()).setReason(e.reason()));
    }
    return out.build();
  }

  static void load(RepositoryAdmin admin, RepositoryModelLoadRequest request) {
    checkRepository(admin, request.getRepositoryName());
    String version = version(request.getParametersMap(), Set.of(), "RepositoryModelLoad");
    admin.load(request.getModelName(), version);
  }

  static void unload(RepositoryAdmin admin, RepositoryModelUnloadRequest request)
      throws InterruptedException {
    checkRepository(admin, request.getRepositoryName());
    String version = version(request.getParametersMap(), UNLOAD_IGNORED, "RepositoryModelUnload");
    admin.unload(request.getModelName(), version);
  }

  private static void checkRepository(RepositoryAdmin admin, String name) {
    if (!name.isEmpty() && !name.equals(admin.repositoryName())) {
      throw invalid(Status.NOT_FOUND, "no repository '" + Echo.of(name) + "'; this server has one, '"
          + admin.repositoryName() + "' (an empty repository_name means it too)");
    }
  }

  /** The {@code version} parameter, or null; INVALID_ARGUMENT for anything else. */
  private static String version(Map<String, ModelRepositoryParameter> parameters,
      Set<String> ignored, String rpc) {
    String version = null;
    for (var e : parameters.entrySet()) {
      if (ignored.contains(e.getKey())) continue;
      if (!e.getKey().equals(VERSION_PARAMETER)) {
        throw invalid(Status.INVALID_ARGUMENT, rpc + ": parameter '" + Echo.of(e.getKey())
            + "' is not supported; Cerberus takes only '" + VERSION_PARAMETER + "' (string or "
            + "int64) and loads bundles from the repository folder (no config or file overrides)");
      }
      ModelRepositoryParameter p = e.getValue();
      version = switch (p.getParameterChoiceCase()) {
        case STRING_PARAM -> p.getStringParam();
        case INT64_PARAM -> String.valueOf(p.getInt64Param());
        default -> throw invalid(Status.INVALID_ARGUMENT, rpc + ": parameter '" + VERSION_PARAMETER
            + "' must be a string or an int64, got " + p.getParameterChoiceCase());
      };
      if (version.isEmpty()) {
        throw invalid(Status.INVALID_ARGUMENT, rpc + ": parameter '" + VERSION_PARAMETER
            + "' is empty; name a version folder, or leave the parameter out for every version");
      }
    }
    return version;
  }

  private static StatusRuntimeException invalid(Status status, String message) {
    return status.withDescription(message).asRuntimeException();
  }
}
