package dev.cerberus.server.oip;

import dev.cerberus.proto.oip.ModelInferRequest;
import dev.cerberus.proto.oip.ModelInferResponse;
import dev.cerberus.proto.oip.ModelStreamInferResponse;
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
 */
final class OipStream implements StreamObserver<ModelInferRequest> {

  private final ModelRepository repository;
  private final ServerCallStreamObserver<ModelStreamInferResponse> out;
  private final CallContext context;
  private int inFlight;
  private boolean halfClosed;
  private boolean finished;
  /** Requests owed to gRPC while the client was not reading responses. */
  private int owedRequests;

  OipStream(
      ModelRepository repository, StreamObserver<ModelStreamInferResponse> out, int maxInFlight) {
    this.repository = repository;
    this.out = (ServerCallStreamObserver<ModelStreamInferResponse>) out;
    this.out.disableAutoRequest();
    this.out.setOnReadyHandler(this::onClientReady);
    this.out.request(maxInFlight);
    this.context = CallContext.from(Context.current());
  }

  @Override
  public void onNext(ModelInferRequest request) {
    synchronized (this) {
      inFlight++;
    }
    CompletableFuture<ModelInferResponse> result;
    try {
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
      msg.setInferResponse(response);
    } else {
      Status status = OipInferenceService.OipStatus.of(error);
      msg.setErrorMessage(status.getCode() + ": " + status.getDescription())
          .setInferResponse(
              ModelInferResponse.newBuilder()
                  .setModelName(request.getModelName())
                  .setModelVersion(request.getModelVersion())
                  .setId(request.getId()));
    }
    synchronized (this) {
      if (finished) return;
      if (!out.isCancelled()) {
        out.onNext(msg.build());
      }
      inFlight--;
      if (halfClosed && inFlight == 0) {
        finish();
      } else if (!halfClosed) {
        if (out.isReady()) {
          out.request(1);
        } else {
          owedRequests++;
        }
      }
    }
  }

  private synchronized void onClientReady() {
    if (owedRequests > 0 && !halfClosed && !finished) {
      out.request(owedRequests);
      owedRequests = 0;
    }
  }

  @Override
  public synchronized void onError(Throwable t) {
    // The client went away: outstanding items are dropped by the batcher (CallContext).
    finished = true;
  }

  @Override
  public synchronized void onCompleted() {
    halfClosed = true;
    if (inFlight == 0) finish();
  }

  private void finish() {
    finished = true;
    if (!out.isCancelled()) out.onCompleted();
  }
}
