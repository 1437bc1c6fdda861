package dev.cerberus.server;

import dev.cerberus.proto.oip.GRPCInferenceServiceGrpc;
import dev.cerberus.proto.oip.InferTensorContents;
import dev.cerberus.proto.oip.ModelInferRequest;
import dev.cerberus.proto.oip.ModelInferRequest.InferInputTensor;
import dev.cerberus.proto.oip.ModelStreamInferResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An OIP ModelStreamInfer client that sends one-item FP32 requests (the 4-value "vectors"
 * fixture) for as long as gRPC lets it and never half-closes, counting requests sent, answers
 * and error answers: {@link NeverEndingStream} for the KServe protocol.
 */
final class NeverEndingOipStream implements ClientResponseObserver<ModelInferRequest,
    ModelStreamInferResponse> {

  final AtomicLong sent = new AtomicLong();
  final AtomicLong answered = new AtomicLong();
  final AtomicLong errors = new AtomicLong();
  final CompletableFuture<Status> closed = new CompletableFuture<>();
  private final ModelInferRequest request;
  private ClientCallStreamObserver<ModelInferRequest> requests;

  private NeverEndingOipStream(String model) {
    InferTensorContents.Builder values = InferTensorContents.newBuilder();
    for (int i = 0; i < 4; i++) {
      values.addFp32Contents(0.25f * i);
    }
    request = ModelInferRequest.newBuilder().setModelName(model)
        .addInputs(InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
            .addShape(1).addShape(4).setContents(values))
        .build();
  }

  static NeverEndingOipStream open(ManagedChannel channel, String model) {
    NeverEndingOipStream stream = new NeverEndingOipStream(model);
    GRPCInferenceServiceGrpc.newStub(channel).modelStreamInfer(stream);
    return stream;
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<ModelInferRequest> requestStream) {
    requests = requestStream;
    requestStream.setOnReadyHandler(this::pump);
  }

  private synchronized void pump() {
    while (requests.isReady() && !closed.isDone()) {
      sent.incrementAndGet();
      requests.onNext(request);
    }
  }

  @Override
  public void onNext(ModelStreamInferResponse response) {
    (response.getErrorMessage().isEmpty() ? answered : errors).incrementAndGet();
  }

  @Override
  public void onError(Throwable t) {
    closed.complete(Status.fromThrowable(t));
  }

  @Override
  public void onCompleted() {
    closed.complete(Status.OK);
  }
}
