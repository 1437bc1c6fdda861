package dev.cerberus.server.oip;

import dev.cerberus.proto.oip.*;
import dev.cerberus.proto.oip.GRPCInferenceServiceGrpc;
import dev.cerberus.proto.oip.ModelInferRequest;
import dev.cerberus.proto.oip.ModelInferResponse;
import dev.cerberus.proto.oip.ModelMetadataRequest;
import dev.cerberus.proto.oip.ModelMetadataResponse;
import dev.cerberus.proto.oip.ModelReadyRequest;
import dev.cerberus.proto.oip.ModelReadyResponse;
import dev.cerberus.proto.oip.ModelStreamInferResponse;
import dev.cerberus.proto.oip.ServerLiveRequest;
import dev.cerberus.proto.oip.ServerLiveResponse;
import dev.cerberus.proto.oip.ServerMetadataRequest;
import dev.cerberus.proto.oip.ServerMetadataResponse;
import dev.cerberus.proto.oip.ServerReadyRequest;
import dev.cerberus.proto.oip.ServerReadyResponse;
import dev.cerberus.server.grpc.OpenStreams;
import dev.cerberus.server.inference.CallContext;
import dev.cerberus.server.inference.ModelRepository;
import dev.cerberus.server.inference.ServedModel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletionException;

/**
 * KServe Open Inference Protocol v2 over gRPC ({@code inference.GRPCInferenceService}). Thin:
 * resolves the model, hands the request to {@link OipInference} and translates the outcome.
 * Errors are gRPC status codes, except on ModelStreamInfer where, as the protocol has it, a
 * failed request is answered with {@code error_message} and the stream goes on.
 */
public final class OipInferenceService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {

  private final ModelRepository repository;
  private final OipSettings settings;
  private final OpenStreams streams;
  private final OipExtensions extensions;

  public OipInferenceService(ModelRepository repository, OipSettings settings) {
    this(repository, settings, new OpenStreams());
  }

  /** @param streams where open streams register, so that shutdown can drain them */
  public OipInferenceService(ModelRepository repository, OipSettings settings,
      OpenStreams streams) {
    this(repository, settings, streams, OipServiceOptions.defaults());
  }

  /** @param options repository admin settings and the device ModelConfig reports */
  public OipInferenceService(ModelRepository repository, OipSettings settings,
      OpenStreams streams, OipServiceOptions options) {
    this.repository = repository;
    this.settings = settings;
    this.streams = streams;
    this.extensions = new OipExtensions(repository, options);
  }

  @Override
  public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
    out.onNext(ServerLiveResponse.newBuilder().setLive(true).build());
    out.onCompleted();
  }

  /** Ready when at least one model version is loaded and accepting calls. */
  @Override
  public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> out) {
    boolean ready =
        repository.all().values().stream()
            .flatMap(List::stream)
            .anyMatch(ServedModel::isAccepting);
    out.onNext(ServerReadyResponse.newBuilder().setReady(ready).build());
    out.onCompleted();
  }

  /** Not ready (rather than an error) for a model or version that is not loaded. */
  @Override
  public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
    boolean ready;
    try {
      ready = repository.resolve(request.getName(), request.getVersion()).isAccepting();
    } catch (StatusRuntimeException e) {
      ready = false;
    }
    out.onNext(ModelReadyResponse.newBuilder().setReady(ready).build());
    out.onCompleted();
  }

  @Override
  public void serverMetadata(
      ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> out) {
    out.onNext(
        ServerMetadataResponse.newBuilder()
            .setName(OipTensors.PLATFORM)
            .setVersion(settings.serverVersion())
            .build());
    out.onCompleted();
  }

  @Override
  public void modelMetadata(
      ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
    try {
      ServedModel model = repository.resolve(request.getName(), request.getVersion());
      List<String> versions =
          repository.versions(model.name()).stream().map(ServedModel::version).toList();
      out.onNext(
          OipModelMetadata.describe(
              model.name(), versions, model.manifest(), OipInference.decoder(model)));
      out.onCompleted();
    } catch (StatusRuntimeException e) {
      out.onError(e);
    }
  }

  @Override
  public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
    ServedModel model;
    try {
      model = repository.resolve(request.getModelName(), request.getModelVersion());
    } catch (StatusRuntimeException e) {
      out.onError(e);
      return;
    }
    OipInference.infer(model, request, CallContext.current())
        .whenComplete(
            (response, error) -> {
              if (error != null) {
                out.onError(OipStatus.of(error).asRuntimeException());
              } else {
                out.onNext(response);
                out.onCompleted();
              }
            });
  }

  @Override
  public StreamObserver<ModelInferRequest> modelStreamInfer(
      StreamObserver<ModelStreamInferResponse> out) {
    return new OipStream(repository, out, settings.streamMaxInFlightRequests(), streams);
  }

  // ---- Triton extensions (OipExtensions); the token interceptor guards them like the rest ----

  @Override
  public void modelConfig(ModelConfigRequest request, StreamObserver<ModelConfigResponse> out) {
    OipExtensions.reply(out, () -> extensions.config(request));
  }

  @Override
  public void modelStatistics(
      ModelStatisticsRequest request, StreamObserver<ModelStatisticsResponse> out) {
    OipExtensions.reply(out, () -> extensions.statistics(request));
  }

  @Override
  public void repositoryIndex(
      RepositoryIndexRequest request, StreamObserver<RepositoryIndexResponse> out) {
    OipExtensions.reply(out, () -> OipRepository.index(extensions.admin(), request));
  }

  @Override
  public void repositoryModelLoad(
      RepositoryModelLoadRequest request, StreamObserver<RepositoryModelLoadResponse> out) {
    OipExtensions.reply(out, () -> {
      OipRepository.load(extensions.admin(), request);
      return RepositoryModelLoadResponse.getDefaultInstance();
    });
  }

  /** Blocks this call (not the server) until the unloaded versions finished their work. */
  @Override
  public void repositoryModelUnload(
      RepositoryModelUnloadRequest request, StreamObserver<RepositoryModelUnloadResponse> out) {
    OipExtensions.reply(out, () -> {
      try {
        OipRepository.unload(extensions.admin(), request);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw Status.CANCELLED.withDescription("unload interrupted: the server is stopping")
            .asRuntimeException();
      }
      return RepositoryModelUnloadResponse.getDefaultInstance();
    });
  }

  @Override
  public void systemSharedMemoryStatus(SystemSharedMemoryStatusRequest request,
      StreamObserver<SystemSharedMemoryStatusResponse> out) {
    OipExtensions.unimplemented(out, "SystemSharedMemoryStatus");
  }

  @Override
  public void systemSharedMemoryRegister(SystemSharedMemoryRegisterRequest request,
      StreamObserver<SystemSharedMemoryRegisterResponse> out) {
    OipExtensions.unimplemented(out, "SystemSharedMemoryRegister");
  }

  @Override
  public void systemSharedMemoryUnregister(SystemSharedMemoryUnregisterRequest request,
      StreamObserver<SystemSharedMemoryUnregisterResponse> out) {
    OipExtensions.unimplemented(out, "SystemSharedMemoryUnregister");
  }

  @Override
  public void cudaSharedMemoryStatus(CudaSharedMemoryStatusRequest request,
      StreamObserver<CudaSharedMemoryStatusResponse> out) {
    OipExtensions.unimplemented(out, "CudaSharedMemoryStatus");
  }

  @Override
  public void cudaSharedMemoryRegister(CudaSharedMemoryRegisterRequest request,
      StreamObserver<CudaSharedMemoryRegisterResponse> out) {
    OipExtensions.unimplemented(out, "CudaSharedMemoryRegister");
  }

  @Override
  public void cudaSharedMemoryUnregister(CudaSharedMemoryUnregisterRequest request,
      StreamObserver<CudaSharedMemoryUnregisterResponse> out) {
    OipExtensions.unimplemented(out, "CudaSharedMemoryUnregister");
  }

  @Override
  public void traceSetting(TraceSettingRequest request, StreamObserver<TraceSettingResponse> out) {
    OipExtensions.unimplemented(out, "TraceSetting");
  }

  @Override
  public void logSettings(LogSettingsRequest request, StreamObserver<LogSettingsResponse> out) {
    OipExtensions.unimplemented(out, "LogSettings");
  }

  /** Unwraps a future's failure into the status it carries (INTERNAL for anything else). */
  static final class OipStatus {
    private OipStatus() {}

    static Status of(Throwable error) {
      Throwable cause = error instanceof CompletionException && error.getCause() != null
          ? error.getCause() : error;
      Status status = Status.fromThrowable(cause);
      if (status.getCode() == Status.Code.UNKNOWN) {
        // a bug, not the client's doing: the trace goes to the log, no class names to clients
        org.slf4j.LoggerFactory.getLogger(OipInferenceService.class)
            .error("inference failed unexpectedly", cause);
        return Status.INTERNAL.withDescription("inference failed: internal error (logged by "
            + "the server)").withCause(cause);
      }
      return status;
    }
  }
}
