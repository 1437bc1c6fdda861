package dev.cerberus.server.grpc;

import dev.cerberus.proto.v1.ClassifierGrpc;
import dev.cerberus.proto.v1.ClassifyRequest;
import dev.cerberus.proto.v1.ClassifyResponse;
import dev.cerberus.proto.v1.ClassifyStreamRequest;
import dev.cerberus.proto.v1.ClassifyStreamResponse;
import dev.cerberus.proto.v1.GetModelRequest;
import dev.cerberus.proto.v1.ListModelsRequest;
import dev.cerberus.proto.v1.ListModelsResponse;
import dev.cerberus.proto.v1.ModelInfo;
import dev.cerberus.server.inference.CallContext;
import dev.cerberus.server.inference.ItemOutcome;
import dev.cerberus.server.inference.ModelRepository;
import dev.cerberus.server.inference.ServedModel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletionException;

/**
 * cerberus.v1.Classifier: translates wire messages to {@link ServedModel#classify} calls and
 * back. No inference logic lives here; call-level refusals come from the inference layer as
 * status exceptions and are passed through unchanged.
 */
public final class ClassifierService extends ClassifierGrpc.ClassifierImplBase {

  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(ClassifierService.class);

  private final ModelRepository repository;
  private final int streamMaxInFlight;
  private final OpenStreams streams;

  /** @param streamMaxInFlight cerberus.stream.max-in-flight */
  public ClassifierService(ModelRepository repository, int streamMaxInFlight) {
    this(repository, streamMaxInFlight, new OpenStreams());
  }

  /** @param streams where open streams register, so that shutdown can drain them */
  public ClassifierService(ModelRepository repository, int streamMaxInFlight,
      OpenStreams streams) {
    this.repository = repository;
    this.streamMaxInFlight = streamMaxInFlight;
    this.streams = streams;
  }

  @Override
  public void classify(ClassifyRequest request, StreamObserver<ClassifyResponse> response) {
    ServedModel model;
    HeadSelection heads;
    try {
      model = repository.resolve(request.getModel(), request.getVersion());
      heads = HeadSelection.of(model.name(), model.manifest(), request.getHeadsList());
    } catch (StatusRuntimeException e) {
      response.onError(e);
      return;
    }
    RequestItems items = RequestItems.of(request.getItemsList());
    CallContext context = CallContext.current();
    items.classify(model, context).whenComplete((outcomes, error) -> {
      if (error != null) {
        response.onError(toStatus(error).asRuntimeException());
        return;
      }
      ItemOutcome[] all = items.merge(outcomes);
      Status dropped = callLevelDrop(all);
      if (dropped != null) {
        response.onError(dropped.asRuntimeException());
        return;
      }
      ClassifyResponse.Builder out = ClassifyResponse.newBuilder()
          .setModel(model.name()).setVersion(model.version());
      for (int i = 0; i < all.length; i++) {
        out.addResults(ProtoMapper.toResult(items.items().get(i).getId(), i, all[i], heads));
      }
      response.onNext(out.build());
      response.onCompleted();
    });
  }

  /**
   * Dropped items (deadline passed, call cancelled) share the call's fate: a unary answer with
   * some of them missing would be useless, so the whole call ends with that status.
   */
  private static Status callLevelDrop(ItemOutcome[] all) {
    for (ItemOutcome o : all) {
      if (o instanceof ItemOutcome.ItemFailure f
          && (f.code() == Status.Code.DEADLINE_EXCEEDED || f.code() == Status.Code.CANCELLED)) {
        return Status.fromCode(f.code()).withDescription(f.message());
      }
    }
    return null;
  }

  static Status toStatus(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null
        ? error.getCause() : error;
    Status status = Status.fromThrowable(cause);
    if (status.getCode() == Status.Code.UNKNOWN) {
      // a bug, not the client's doing: the trace goes to the log, the client gets no class names
      log.error("call failed unexpectedly", cause);
      return Status.INTERNAL.withDescription("internal error (logged by the server)")
          .withCause(cause);
    }
    return status;
  }

  @Override
  public StreamObserver<ClassifyStreamRequest> classifyStream(
      StreamObserver<ClassifyStreamResponse> response) {
    var session = new ClassifyStreamSession(repository,
        (ServerCallStreamObserver<ClassifyStreamResponse>) response, CallContext.current(),
        streamMaxInFlight, streams);
    session.start();
    return session;
  }

  @Override
  public void listModels(ListModelsRequest request, StreamObserver<ListModelsResponse> response) {
    ListModelsResponse.Builder out = ListModelsResponse.newBuilder();
    repository.all().forEach((name, versions) -> out.addModels(ProtoMapper.toSummary(name, versions)));
    response.onNext(out.build());
    response.onCompleted();
  }

  @Override
  public void getModel(GetModelRequest request, StreamObserver<ModelInfo> response) {
    try {
      ServedModel model = repository.resolve(request.getModel(), request.getVersion());
      response.onNext(ProtoMapper.toModelInfo(model, repository.versions(model.name())));
      response.onCompleted();
    } catch (StatusRuntimeException e) {
      response.onError(e);
    }
  }
}
