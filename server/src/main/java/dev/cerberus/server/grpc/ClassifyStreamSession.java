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
 *
 * <p>The model named by the last message that named one is resolved again for every message,
 * like a unary call: a stream without a pinned version follows hot reloads to the newest one.
 * A message that finds its version's queue full waits for room ({@link QueueRoom}).
 * On server shutdown ({@link OpenStreams#drain()}) the session stops reading, answers what it
 * accepted, then closes with UNAVAILABLE.
 */
final class ClassifyStreamSession implements StreamObserver<ClassifyStreamRequest>,
    OpenStreams.Stream {

  private final ModelRepository repository;
  private final ServerCallStreamObserver<ClassifyStreamResponse> out;
  private final CallContext context;
  private final int maxInFlight;
  private final OpenStreams streams;

  // guarded by this
  private String modelName;
  private String version;
  private List<String> headNames;
  private ServedModel model;
  private HeadSelection heads;
  private long nextIndex;
  private int inFlight;
  private boolean requested;
  private boolean halfClosed;
  private boolean draining;
  private boolean finished;
  /**
   * A message the stream cannot go on after (no model named, unknown model, version or head):
   * nothing more is read, the items accepted before it are answered, then the stream ends with
   * this status, so no accepted item is lost to a later bad message.
   */
  private Status ending;

  ClassifyStreamSession(ModelRepository repository,
      ServerCallStreamObserver<ClassifyStreamResponse> out, CallContext context, int maxInFlight,
      OpenStreams streams) {
    this.repository = repository;
    this.out = out;
    this.context = context;
    this.maxInFlight = maxInFlight;
    this.streams = streams;
  }

  /** Must run inside the handler, before it returns (gRPC's rule for disableAutoRequest). */
  void start() {
    out.disableAutoRequest();
    out.setOnReadyHandler(this::requestMore);
    out.setOnCancelHandler(() -> {
      synchronized (this) {
        finished = true; // queued items see the cancelled context and are dropped
      }
      streams.closed(this);
    });
    streams.opened(this);
    requestMore();
  }

  @Override
  public void onNext(ClassifyStreamRequest message) {
    ServedModel target;
    HeadSelection selection;
    long base;
    synchronized (this) {
      requested = false;
      if (finished || ending != null) {
        return;
      }
      if (!message.getModel().isEmpty()) {
        modelName = message.getModel();
        version = message.getVersion();
        headNames = List.copyOf(message.getHeadsList());
        model = null;
      } else if (modelName == null) {
        endAfterAnswers(Status.INVALID_ARGUMENT.withDescription(
            "the first ClassifyStream message must name a model"));
        return;
      }
      try {
        ServedModel resolved = repository.resolve(modelName, version);
        if (resolved != model) {
          heads = HeadSelection.of(resolved.name(), resolved.manifest(), headNames);
          model = resolved;
        }
      } catch (StatusRuntimeException e) {
        endAfterAnswers(e.getStatus());
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
      int count = message.getItemsCount();
      QueueRoom.await(() -> items.classify(target, context),
              () -> target.stats().queueDepth() + count
                  <= target.batcherSettings().queueCapacity(), context)
          .whenComplete((outcomes, error) -> {
        ItemOutcome[] all;
        if (error != null) {
          // a refused message (too many items, draining; a full queue only once the deadline
          // passed) answers each of its items, so the client learns exactly which items to
          // resend and none is silently lost
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
      if (closeIfDone()) {
        return;
      }
    }
    requestMore();
  }

  /** Asks for one more message when the stream has room and the client keeps up. */
  private synchronized void requestMore() {
    if (!finished && !halfClosed && !draining && ending == null && !requested
        && inFlight < maxInFlight && out.isReady()) {
      requested = true;
      out.request(1);
    }
  }

  /** Server shutdown: read nothing more; close once the accepted items are answered. */
  @Override
  public synchronized void drain() {
    draining = true;
    closeIfDone();
  }

  /** Ends the call when the client (half-close) or the server (drain) is done and nothing is owed. */
  private boolean closeIfDone() {
    if (finished || inFlight > 0 || !(halfClosed || draining || ending != null)) {
      return false;
    }
    finished = true;
    if (ending != null) {
      out.onError(ending.asRuntimeException());
    } else if (halfClosed) {
      out.onCompleted();
    } else {
      out.onError(OpenStreams.SHUTTING_DOWN.asRuntimeException());
    }
    streams.closed(this);
    return true;
  }

  /** Reads nothing more; ends the stream with {@code status} once accepted items are answered. */
  private void endAfterAnswers(Status status) {
    ending = status;
    closeIfDone();
  }

  @Override
  public synchronized void onError(Throwable t) {
    finished = true; // the client went away; its context is cancelled, queued items are dropped
    streams.closed(this);
  }

  @Override
  public synchronized void onCompleted() {
    halfClosed = true;
    closeIfDone();
  }
}
