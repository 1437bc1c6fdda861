package dev.cerberus.server.oip;

import dev.cerberus.proto.oip.ModelConfigRequest;
import dev.cerberus.proto.oip.ModelConfigResponse;
import dev.cerberus.proto.oip.ModelStatisticsRequest;
import dev.cerberus.proto.oip.ModelStatisticsResponse;
import dev.cerberus.server.inference.ModelRepository;
import dev.cerberus.server.inference.RepositoryAdmin;
import dev.cerberus.server.inference.ServedModel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.function.Supplier;

/**
 * Triton's extensions of the OIP service that are not inference: ModelConfig, ModelStatistics
 * and the repository RPCs (answered from the repository), and the shared-memory, trace and log
 * RPCs, which Cerberus does not implement (UNIMPLEMENTED with what to do instead).
 */
final class OipExtensions {

  private final ModelRepository repository;
  private final RepositoryAdmin admin;
  private final OipServiceOptions options;

  OipExtensions(ModelRepository repository, OipServiceOptions options) {
    this.repository = repository;
    this.options = options;
    this.admin = new RepositoryAdmin(repository, options.admin());
  }

  ModelConfigResponse config(ModelConfigRequest request) {
    ServedModel model = repository.resolve(request.getName(), request.getVersion());
    List<String> loaded = repository.versions(model.name()).stream().map(ServedModel::version)
        .toList();
    boolean everyFolderLoaded = admin.index(false).stream()
        .filter(e -> e.name().equals(model.name()))
        .allMatch(e -> e.state() == RepositoryAdmin.State.READY);
    return ModelConfigResponse.newBuilder()
        .setConfig(OipModelConfig.of(model, loaded, everyFolderLoaded, options.device())).build();
  }

  /** Every loaded version (empty name), every version of one model, or one version. */
  ModelStatisticsResponse statistics(ModelStatisticsRequest request) {
    List<ServedModel> models;
    if (request.getName().isEmpty()) {
      if (!request.getVersion().isEmpty()) {
        throw Status.INVALID_ARGUMENT.withDescription("ModelStatistics: a version ('"
            + dev.cerberus.server.grpc.Echo.of(request.getVersion()) + "') needs a model name")
            .asRuntimeException();
      }
      models = repository.all().values().stream().flatMap(List::stream).toList();
    } else if (request.getVersion().isEmpty()) {
      models = repository.versions(repository.resolve(request.getName(), "").name());
    } else {
      models = List.of(repository.resolve(request.getName(), request.getVersion()));
    }
    ModelStatisticsResponse.Builder out = ModelStatisticsResponse.newBuilder();
    models.forEach(m -> out.addModelStats(OipStatistics.of(m)));
    return out.build();
  }

  RepositoryAdmin admin() {
    return admin;
  }

  /** Runs {@code answer} and sends its result, or its status. */
  static <T> void reply(StreamObserver<T> out, Supplier<T> answer) {
    T value;
    try {
      value = answer.get();
    } catch (StatusRuntimeException e) {
      out.onError(e);
      return;
    }
    out.onNext(value);
    out.onCompleted();
  }

  /** An RPC Cerberus does not implement, and what to do instead. */
  static <T> void unimplemented(StreamObserver<T> out, String rpc) {
    String instead = switch (rpc) {
      case "SystemSharedMemoryStatus", "SystemSharedMemoryRegister", "SystemSharedMemoryUnregister"
          -> "system shared memory is not supported: send tensors in the request "
              + "(contents or raw_input_contents)";
      case "CudaSharedMemoryStatus", "CudaSharedMemoryRegister", "CudaSharedMemoryUnregister"
          -> "CUDA shared memory is not supported: send tensors in the request "
              + "(contents or raw_input_contents)";
      case "TraceSetting" -> "trace settings cannot be changed at run time";
      default -> "log settings cannot be changed at run time; the log level is set when the "
          + "server starts";
    };
    out.onError(Status.UNIMPLEMENTED.withDescription("Cerberus does not implement " + rpc
        + ": " + instead + " (server/README.md, Triton / OIP v2 compatibility)")
        .asRuntimeException());
  }
}
