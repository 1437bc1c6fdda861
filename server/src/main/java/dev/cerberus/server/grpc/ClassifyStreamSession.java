package dev.cerberus.server.grpc;

import dev.cerberus.proto.v1.ClassifyStreamRequest;
import dev.cerberus.proto.v1.ClassifyStreamResponse;
import dev.cerberus.server.inference.CallContext;
import dev.cerberus.server.inference.ItemOutcome;
import dev.cerberus.server.inference.ModelRepository;
import dev.cerberus.server.inference.ServedModel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;

/**
 * One ClassifyStream call. Flow control is manual: the session asks gRPC for the next message
 * only while fewer than {@code maxInFlight} items are unanswered AND the client is reading
 * responses ({@code isReady}), so neither a fast producer nor a slow consumer can make the
 * server buffer without bound. Every message is one classify call; its results go out as one
 * response message as soon as they are all known, with their stream-wide indexes.
 */
final class ClassifyStreamSession implements StreamObserver<ClassifyStreamRequest> {

  private final ModelRepository repository;
  private final ServerCallStreamObserver<ClassifyStreamResponse> out;
  private final CallContext context;
  private final int maxInFlight;

  // guarded by this
  private ServedModel model;
  private HeadSelection heads;
  private long nextIndex;
  private int inFlight;
  private boolean requested;
  private boolean halfClosed;
  private boolean finished;

  ClassifyStreamSession(ModelRepository repository,
      ServerCallStreamObserver<ClassifyStreamResponse> out, CallContext context, int maxInFlight) {
    this.repository = repository;
    this.out = out;
    this.context = context;
    this.maxInFlight = maxInFlight;
  }

  /** Must run inside the handler, before it returns (gRPC's rule for disableAutoRequest). */
  void start() {
    out.disableAutoRequest();
    out.setOnReadyHandler(this::requestMore);
    out.setOnCancelHandler(() -> {
      synchronized (this) {
        finished = true; // queued items see the cancelled context and are dropped
      }
    });
    requestMore();
  }

  @Override
  public void onNext(ClassifyStreamRequest message) {
    ServedModel target;
    HeadSelection selection;
    long base;
    synchronized (this) {
      requested = false;
      if (finished) {
        return;
      }
      if (!message.getModel().isEmpty()) {
        try {
          model = repository.resolve(message.getModel(), message.getVersion());
          heads = HeadSelection.of(model.name(), model.manifest(), message.getHeadsList());
        } catch (StatusRuntimeException e) {
          fail(e.getStatus());
          return;
        }
      } else if (model == null) {
        fail(Status.INVALID_ARGUMENT.withDescription(
            "the first ClassifyStream message must name a model"));
        return;
      }
      target = model;
      selection = heads;
      base = nextIndex;
      nextIndex += message.getItemsCount();
      inFlight += message.getItemsCount();
    }
    if (message.getItemsCount() > 0) {
      RequestItems items = RequestItems.of(message.getItemsList());
      target.classify(items.inputs(), context).whenComplete((outcomes, error) -> {
        ItemOutcome[] all;
        if (error != null) {
          // a refused message (queue full, too many items, draining) answers each of its items,
          // so the client learns exactly which items to resend and none is silently lost
          Status status = ClassifierService.toStatus(error);
          all = items.failAll(status.getCode(), String.valueOf(status.getDescription()));
        } else {
          all = items.merge(outcomes);
        }
        send(target, selection, base, items, all);
      });
    }
    requestMore();
  }

  private void send(ServedModel target, HeadSelection selection, long base, RequestItems items,
      ItemOutcome[] all) {
    ClassifyStreamResponse.Builder response = ClassifyStreamResponse.newBuilder()
        .setModel(target.name()).setVersion(target.version());
    List<dev.cerberus.proto.v1.Item> sent = items.items();
    for (int i = 0; i < all.length; i++) {
      response.addResults(ProtoMapper.toResult(sent.get(i).getId(), base + i, all[i], selection));
    }
    ClassifyStreamResponse built = response.build();
    synchronized (this) {
      inFlight -= all.length;
      if (finished) {
        return;
      }
      out.onNext(built);
      if (halfClosed && inFlight == 0) {
        finished = true;
        out.onCompleted();
        return;
      }
    }
    requestMore();
  }

  /** Asks for one more message when the stream has room and the client keeps up. */
  private synchronized void requestMore() {
    if (!finished && !halfClosed && !requested && inFlight < maxInFlight && out.isReady()) {
      requested = true;
      out.request(1);
    }
  }

  private void fail(Status status) {
    finished = true;
    out.onError(status.asRuntimeException());
  }

  @Override
  public synchronized void onError(Throwable t) {
    finished = true; // the client went away; its context is cancelled, queued items are dropped
  }

  @Override
  public synchronized void onCompleted() {
    halfClosed = true;
    if (!finished && inFlight == 0) {
      finished = true;
      out.onCompleted();
    }
  }
}
