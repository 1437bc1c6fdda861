package dev.cerberus.client;

import dev.cerberus.proto.v1.ClassifierGrpc;
import dev.cerberus.proto.v1.ClassifyRequest;
import dev.cerberus.proto.v1.ClassifyResponse;
import dev.cerberus.proto.v1.ClassifyStreamRequest;
import dev.cerberus.proto.v1.ClassifyStreamResponse;
import dev.cerberus.proto.v1.GetModelRequest;
import dev.cerberus.proto.v1.HeadInfo;
import dev.cerberus.proto.v1.HeadPrediction;
import dev.cerberus.proto.v1.HeadUnknown;
import dev.cerberus.proto.v1.InputSpec;
import dev.cerberus.proto.v1.Item;
import dev.cerberus.proto.v1.ItemError;
import dev.cerberus.proto.v1.ItemErrorCode;
import dev.cerberus.proto.v1.ItemResult;
import dev.cerberus.proto.v1.LabelProbability;
import dev.cerberus.proto.v1.ListModelsRequest;
import dev.cerberus.proto.v1.ListModelsResponse;
import dev.cerberus.proto.v1.ModelInfo;
import dev.cerberus.proto.v1.ModelStats;
import dev.cerberus.proto.v1.ModelSummary;
import dev.cerberus.proto.v1.Prediction;
import dev.cerberus.proto.v1.UnknownPolicyInfo;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A scripted ClassifierGrpc peer. Its "model" decides by content: a text item's decision is the
 * text, an image item's is its bytes read as UTF-8; "???" is unknown, "bad" an INVALID_ARGUMENT
 * item error, "busy" a RESOURCE_EXHAUSTED item error while {@link #busy} is set.
 */
public class FakeClassifier extends ClassifierGrpc.ClassifierImplBase {
  public final List<String> models = new CopyOnWriteArrayList<>(List.of("fashion"));
  /** Statuses the next Classify calls fail with, one per call, before answering normally. */
  public final Queue<Status> failures = new ConcurrentLinkedQueue<>();
  public final List<Long> classifyCallNanos = new CopyOnWriteArrayList<>();
  public final List<ClassifyRequest> classifyRequests = new CopyOnWriteArrayList<>();
  public final List<Item> streamedItems = new CopyOnWriteArrayList<>();
  public final List<String> streamModels = new CopyOnWriteArrayList<>();
  public final AtomicInteger listModelsCalls = new AtomicInteger();
  public volatile boolean hang;
  public volatile boolean busy = true;
  /** While set, stream results are held back until {@link #releaseStream} counts down. */
  public volatile CountDownLatch releaseStream;
  /** Largest count of stream items received and not yet answered. */
  public final AtomicLong maxStreamInFlight = new AtomicLong();

  @Override
  public void classify(ClassifyRequest request, StreamObserver<ClassifyResponse> out) {
    classifyCallNanos.add(System.nanoTime());
    classifyRequests.add(request);
    Status failure = failures.poll();
    if (failure != null) {
      out.onError(failure.asRuntimeException());
      return;
    }
    if (hang) {
      return; // the client's deadline ends the call
    }
    if (!models.contains(request.getModel())) {
      out.onError(Status.NOT_FOUND.withDescription("model '" + request.getModel()
          + "' not found; models: " + String.join(", ", models)).asRuntimeException());
      return;
    }
    ClassifyResponse.Builder response = ClassifyResponse.newBuilder()
        .setModel(request.getModel()).setVersion("1");
    for (int i = 0; i < request.getItemsCount(); i++) {
      response.addResults(answer(request.getItems(i), i));
    }
    out.onNext(response.build());
    out.onCompleted();
  }

  @Override
  public StreamObserver<ClassifyStreamRequest> classifyStream(
      StreamObserver<ClassifyStreamResponse> responses) {
    ServerCallStreamObserver<ClassifyStreamResponse> out =
        (ServerCallStreamObserver<ClassifyStreamResponse>) responses;
    AtomicLong index = new AtomicLong();
    AtomicLong inFlight = new AtomicLong();
    List<Thread> answering = new ArrayList<>();
    return new StreamObserver<>() {
      @Override
      public void onNext(ClassifyStreamRequest message) {
        if (!message.getModel().isEmpty()) {
          streamModels.add(message.getModel());
        }
        streamedItems.addAll(message.getItemsList());
        long now = inFlight.addAndGet(message.getItemsCount());
        maxStreamInFlight.accumulateAndGet(now, Math::max);
        ClassifyStreamResponse.Builder response = ClassifyStreamResponse.newBuilder()
            .setModel(streamModels.isEmpty() ? "" : streamModels.get(0)).setVersion("1");
        for (Item item : message.getItemsList()) {
          response.addResults(answer(item, index.getAndIncrement()));
        }
        CountDownLatch gate = releaseStream;
        if (gate == null) {
          inFlight.addAndGet(-message.getItemsCount());
          synchronized (out) {
            out.onNext(response.build());
          }
          return;
        }
        Thread t = new Thread(() -> {
          try {
            gate.await();
          } catch (InterruptedException e) {
            return;
          }
          inFlight.addAndGet(-message.getItemsCount());
          synchronized (out) {
            out.onNext(response.build());
          }
        });
        answering.add(t);
        t.start();
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        for (Thread t : answering) {
          try {
            t.join();
          } catch (InterruptedException e) {
            return;
          }
        }
        synchronized (out) {
          out.onCompleted();
        }
      }
    };
  }

  @Override
  public void listModels(ListModelsRequest request, StreamObserver<ListModelsResponse> out) {
    listModelsCalls.incrementAndGet();
    ListModelsResponse.Builder b = ListModelsResponse.newBuilder();
    for (String m : models) {
      b.addModels(ModelSummary.newBuilder().setName(m).addVersions("1").setInputKind("image")
          .addHeads("category"));
    }
    out.onNext(b.build());
    out.onCompleted();
  }

  @Override
  public void getModel(GetModelRequest request, StreamObserver<ModelInfo> out) {
    if (!models.contains(request.getModel())) {
      out.onError(Status.NOT_FOUND.withDescription("model '" + request.getModel() + "' not found")
          .asRuntimeException());
      return;
    }
    out.onNext(ModelInfo.newBuilder().setName(request.getModel()).setVersion("1")
        .addVersions("1").setDescription("test model")
        .setInput(InputSpec.newBuilder().setKind("image").setImageWidth(224)
            .setImageHeight(224))
        .addHeads(HeadInfo.newBuilder().setName("category").setKind("multiclass")
            .addLabels("Trouser").addLabels("Bag"))
        .addHeads(HeadInfo.newBuilder().setName("is-bag").setKind("binary")
            .addLabels("base").addLabels("bag").setBaseLabel("base")
            .setUnknownPolicy(UnknownPolicyInfo.newBuilder().setMethod("knn")
                .setDecisionHead("is-bag").setThreshold(0.25f)))
        .setUnknownPolicy(UnknownPolicyInfo.newBuilder().setMethod("max_softmax")
            .setDecisionHead("category").setThreshold(0.5f).setCalibratedTpr(0.95f))
        .setDecision(dev.cerberus.proto.v1.DecisionInfo.newBuilder().addOrder("gate")
            .addOrder("unknown").addOrder("class").setGateHead("gate").setGateThreshold(0.75f))
        .setStats(ModelStats.newBuilder().setForwardPasses(3).setItems(7))
        .putMetrics("accuracy", 0.9).setFeatureSize(1280).build());
    out.onCompleted();
  }

  ItemResult answer(Item item, long index) {
    String content = item.hasText() ? item.getText()
        : item.getImage().toString(StandardCharsets.UTF_8).trim();
    ItemResult.Builder r = ItemResult.newBuilder().setId(item.getId()).setIndex(index);
    if (content.equals("bad")) {
      return r.setError(ItemError.newBuilder().setCode(ItemErrorCode.INVALID_ARGUMENT)
          .setMessage("item 'bad' is not decodable; allowed: PNG or JPEG")).build();
    }
    if (content.equals("busy") && busy) {
      return r.setError(ItemError.newBuilder().setCode(ItemErrorCode.RESOURCE_EXHAUSTED)
          .setMessage("queue full")).build();
    }
    boolean unknown = content.equals("???");
    if (content.equals("gated")) {
      // a cascade model: the gate rejected the item first; a fusion policy with two members
      return r.setPrediction(Prediction.newBuilder().setDecision("unknown").setUnknown(true)
          .setOodScore(0.5f).setOodMethod("fusion").setThreshold(1f)
          .setReason(dev.cerberus.proto.v1.Reason.REASON_GATE)
          .setGate(dev.cerberus.proto.v1.GateVerdict.newBuilder().setHead("gate").setScore(0.875f)
              .setThreshold(0.5f).setRejected(true))
          .addOodComponents(dev.cerberus.proto.v1.ScoreComponent.newBuilder().setName("knn")
              .setScore(0.25f).setContribution(0.75f))
          .addOodComponents(dev.cerberus.proto.v1.ScoreComponent.newBuilder().setName("energy")
              .setScore(-3f).setContribution(-0.25f))
          .addHeads(HeadPrediction.newBuilder().setHead("category").setLabel("bag")
              .setReason(dev.cerberus.proto.v1.Reason.REASON_GATE)
              .setOwnUnknown(HeadUnknown.newBuilder().setUnknown(false).setOodScore(0.125f)
                  .setOodMethod("knn").setThreshold(0.25f))))
          .build();
    }
    if (content.equals("per-head")) {
      // a model whose heads carry their own unknown policies: is-bag rejects, is-shoe accepts
      return r.setPrediction(Prediction.newBuilder().setDecision("base").setOodMethod("none")
          .addHeads(HeadPrediction.newBuilder().setHead("is-bag").setLabel("base")
              .setOwnUnknown(HeadUnknown.newBuilder().setUnknown(true).setOodScore(0.5f)
                  .setOodMethod("knn").setThreshold(0.25f)))
          .addHeads(HeadPrediction.newBuilder().setHead("is-shoe").setLabel("shoe")
              .setOwnUnknown(HeadUnknown.newBuilder().setUnknown(false).setOodScore(0.125f)
                  .setOodMethod("knn").setThreshold(0.25f)))
          .addAcceptedHeads("is-shoe")).build();
    }
    return r.setPrediction(Prediction.newBuilder()
        .setDecision(unknown ? "unknown" : content).setUnknown(unknown)
        .setOodScore(unknown ? 0.75f : 0.25f).setOodMethod("max_softmax").setThreshold(0.5f)
        .addHeads(HeadPrediction.newBuilder().setHead("category")
            .setLabel(unknown ? "Bag" : content)
            .addProbabilities(LabelProbability.newBuilder().setLabel(unknown ? "Bag" : content)
                .setProbability(0.75f))
            .addProbabilities(LabelProbability.newBuilder().setLabel("other")
                .setProbability(0.25f))))
        .build();
  }
}
