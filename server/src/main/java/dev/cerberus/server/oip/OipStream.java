package dev.cerberus.server.oip;

import dev.cerberus.proto.oip.ModelInferRequest;
import dev.cerberus.proto.oip.ModelInferResponse;
import dev.cerberus.proto.oip.ModelStreamInferResponse;
import dev.cerberus.server.grpc.OpenStreams;
import dev.cerberus.server.inference.CallContext;
import dev.cerberus.server.inference.ModelRepository;
import dev.cerberus.server.inference.ServedModel;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/**
 * One ModelStreamInfer stream: every request is answered by one response, in completion order.
 * A request that fails is answered with {@code error_message} ("CODE: message") and an
 * {@code infer_response} carrying its model and id, and the stream goes on. At most
 * {@code maxInFlight} requests are computed or waiting to be sent at once: the stream asks gRPC
 * for the next request only when one was answered and the client is reading answers
 * ({@code isReady}), so neither a fast producer nor a slow reader piles work up on the server.
 * On server shutdown ({@link OpenStreams#drain()}) it reads no more requests, answers those it
 * has, then closes with UNAVAILABLE.
 */
final class OipStream implements StreamObserver<ModelInferRequest>, OpenStreams.Stream {

  private final ModelRepository repository;
  private final ServerCallStreamObserver<ModelStreamInferResponse> out;
  private final CallContext context;
  private final OpenStreams streams;
  private int inFlight;
  private boolean halfClosed;
  /** Server shutdown: requests already asked for are still answered, then the stream closes. */
  private boolean draining;
  private boolean finished;
  /** Requests owed to gRPC while the client was not reading responses. */
  private int owedRequests;

  OipStream(ModelRepository repository, StreamObserver<ModelStreamInferResponse> out,
      int maxInFlight, OpenStreams streams) {
    this.repository = repository;
    this.out = (ServerCallStreamObserver<ModelStreamInferResponse>) out;
    this.streams = streams;
    this.out.disableAutoRequest();
    this.out.setOnReadyHandler(this::onClientReady);
    this.out.setOnCancelHandler(() -> streams.closed(this));
    this.context = CallContext.from(Context.current());
    streams.opened(this);
    this.out.request(maxInFlight);
  }

  @Override
  public void onNext(ModelInferRequest request) {
    synchronized (this) {
      if (finished) {
        return;
      }
      inFlight++;
    }
    CompletableFuture<ModelInferResponse> result;
    try {
      FinalResponseFlag.check(request);
      ServedModel model = repository.resolve(request.getModelName(), request.getModelVersion());
      result = OipInference.infer(model, request, context);
    } catch (StatusRuntimeException e) {
      result = CompletableFuture.failedFuture(e);
    }
    result.whenComplete((response, error) -> answer(request, response, error));
  }

  private void answer(ModelInferRequest request, ModelInferResponse response, Throwable error) {
    ModelStreamInferResponse.Builder msg = ModelStreamInferResponse.newBuilder();
    if (error == null) {
      msg.setInferResponse(FinalResponseFlag.mark(request, response.toBuilder()));
    } else {
      Status status = OipInferenceService.OipStatus.of(error);
      msg.setErrorMessage(status.getCode() + ": " + status.getDescription())
          .setInferResponse(FinalResponseFlag.mark(request,
              ModelInferResponse.newBuilder()
                  .setModelName(request.getModelName())
                  .setModelVersion(request.getModelVersion())
                  .setId(request.getId())));
    }
    synchronized (this) {
      if (finished) return;
      if (!out.isCancelled()) {
        out.onNext(msg.build());
      }
      inFlight--;
      if ((halfClosed || draining) && inFlight == 0) {
        finish();
      } else if (!halfClosed && !draining) {
        if (out.isReady()) {
          out.request(1);
        } else {
          owedRequests++;
        }
      }
    }
  }

  private synchronized void onClientReady() {
    if (owedRequests > 0 && !halfClosed && !draining && !finished) {
      out.request(owedRequests);
      owedRequests = 0;
    }
  }

  @Override
  public synchronized void drain() {
    draining = true;
    if (inFlight == 0 && !finished) finish();
  }

  @Override
  public synchronized void onError(Throwable t) {
    // The client went away: outstanding items are dropped by the batcher (CallContext).
    finished = true;
    streams.closed(this);
  }

  @Override
  public synchronized void onCompleted() {
    halfClosed = true;
    if (inFlight == 0 && !finished) finish();
  }

  /** Ends the call: completed when the client half-closed, UNAVAILABLE when the server drains. */
  private void finish() {
    finished = true;
    streams.closed(this);
    if (out.isCancelled()) return;
    if (halfClosed) {
      out.onCompleted();
    } else {
      out.onError(OpenStreams.SHUTTING_DOWN.asRuntimeException());
    }
  }
}
