package dev.cerberus.client;

import dev.cerberus.proto.oip.GRPCInferenceServiceGrpc;
import dev.cerberus.proto.oip.ModelInferRequest;
import dev.cerberus.proto.oip.ModelInferResponse;
import dev.cerberus.proto.oip.ModelRepositoryParameter;
import dev.cerberus.proto.oip.RepositoryIndexRequest;
import dev.cerberus.proto.oip.RepositoryIndexResponse;
import dev.cerberus.proto.oip.RepositoryModelLoadRequest;
import dev.cerberus.proto.oip.RepositoryModelUnloadRequest;
import dev.cerberus.proto.v1.ClassifierGrpc;
import dev.cerberus.proto.v1.ClassifyRequest;
import dev.cerberus.proto.v1.ClassifyResponse;
import dev.cerberus.proto.v1.GetModelRequest;
import dev.cerberus.proto.v1.Item;
import dev.cerberus.proto.v1.ItemResult;
import dev.cerberus.proto.v1.ListModelsRequest;
import dev.cerberus.proto.v1.ListModelsResponse;
import dev.cerberus.proto.v1.ModelInfo;
import io.grpc.ChannelCredentials;
import io.grpc.Deadline;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Client of the Cerberus {@code cerberus.v1.Classifier} service.
 *
 * <p>One channel per target; calls rotate over the targets (client-side round-robin) and a retry
 * of an UNAVAILABLE call goes to the next target. Every unary call has a deadline that covers
 * all of its attempts. Thread-safe; create one per application and close it at the end.
 */
public final class CerberusClient implements AutoCloseable {
  /** Default per-call deadline. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);
  /** Default largest response accepted (gRPC's own default, 4 MiB, is small for big batches). */
  public static final int DEFAULT_MAX_INBOUND_MESSAGE_BYTES = 16 * 1024 * 1024;

  private final List<Target> targets;
  private final List<ManagedChannel> channels;
  private final Duration deadline;
  private final RetryPolicy retryPolicy;
  private final AtomicLong rotation = new AtomicLong();
  private final ScheduledExecutorService retryTimer;

  private CerberusClient(Builder b) {
    this.targets = List.copyOf(b.targets);
    this.deadline = b.deadline;
    this.retryPolicy = b.retryPolicy;
    List<ManagedChannel> built = new ArrayList<>();
    ChannelCredentials credentials = credentials(b.tls);
    for (Target target : targets) {
      ManagedChannelBuilder<?> cb = Grpc.newChannelBuilder(target.authority(), credentials)
          .maxInboundMessageSize(b.maxInboundMessageBytes);
      if (b.tls != null && b.tls.authorityOverride() != null) {
        cb.overrideAuthority(b.tls.authorityOverride());
      }
      if (b.bearerToken != null) {
        cb.intercept(new BearerTokenInterceptor(b.bearerToken));
      }
      built.add(cb.build());
    }
    this.channels = List.copyOf(built);
    this.retryTimer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "cerberus-client-retry");
      t.setDaemon(true);
      return t;
    });
  }

  public static Builder builder() {
    return new Builder();
  }

  public List<Target> targets() {
    return targets;
  }

  // ---- Classify, blocking ----

  /** Classifies the request's items; results come back in request order. */
  public ClassifyResponse classify(ClassifyRequest request) {
    return callWithRetry(ClassifierGrpc::newBlockingStub,
        (stub, d) -> stub.withDeadline(d).classify(request), retryPolicy);
  }

  /** Classifies image files (PNG or JPEG); each result's id is the file's path as given. */
  public ClassifyResponse classifyImages(String model, List<Path> files) {
    ClassifyRequest.Builder request = ClassifyRequest.newBuilder().setModel(model);
    files.forEach(f -> request.addItems(Items.image(f)));
    return classify(request.build());
  }

  /** Classifies texts; each result's id is the text's index in the list. */
  public ClassifyResponse classifyTexts(String model, List<String> texts) {
    ClassifyRequest.Builder request = ClassifyRequest.newBuilder().setModel(model);
    for (int i = 0; i < texts.size(); i++) {
      request.addItems(Items.text(Integer.toString(i), texts.get(i)));
    }
    return classify(request.build());
  }

  // ---- Classify, async ----

  /**
   * Classifies without blocking. The future fails with a {@link CerberusException}; retries of
   * UNAVAILABLE happen in the background under the same deadline.
   */
  public CompletableFuture<ClassifyResponse> classifyAsync(ClassifyRequest request) {
    CompletableFuture<ClassifyResponse> result = new CompletableFuture<>();
    attemptAsync(
        (stub, observer) -> stub.classify(request, observer),
        result, 1, Deadline.after(deadline.toNanos(), TimeUnit.NANOSECONDS));
    return result;
  }

  // ---- Classify, streaming ----

  /**
   * Opens a ClassifyStream. Send items with {@link ClassifyStream#send}, finish with
   * {@link ClassifyStream#close}; results go to {@code onResult} on a gRPC thread. Streams are
   * not retried: a failed stream ends with a {@link CerberusException} from send or close.
   */
  public ClassifyStream classifyStream(StreamOptions options, Consumer<ItemResult> onResult) {
    ClassifierGrpc.ClassifierStub stub = ClassifierGrpc.newStub(nextChannel());
    if (options.deadline() != null) {
      stub = stub.withDeadlineAfter(options.deadline().toNanos(), TimeUnit.NANOSECONDS);
    }
    return ClassifyStream.open(stub, options, onResult);
  }

  /** Streams every item of {@code items} and waits for all results. */
  public void classifyAll(
      StreamOptions options, Iterable<Item> items, Consumer<ItemResult> onResult) {
    try (ClassifyStream stream = classifyStream(options, onResult)) {
      for (Item item : items) {
        stream.send(item);
      }
    }
  }

  // ---- OIP v2 (request builders and output readers: Oip) ----

  /**
   * KServe OIP v2 {@code ModelInfer}: one request for all its items (one bad item fails it; use
   * {@link #classify} for per-item errors). Same deadline and retries as {@link #classify}.
   */
  public ModelInferResponse oipInfer(ModelInferRequest request) {
    return callWithRetry(GRPCInferenceServiceGrpc::newBlockingStub,
        (stub, d) -> stub.withDeadline(d).modelInfer(request), retryPolicy);
  }

  // ---- Models and health ----

  public ListModelsResponse listModels() {
    return callWithRetry(ClassifierGrpc::newBlockingStub,
        (stub, d) -> stub.withDeadline(d).listModels(ListModelsRequest.getDefaultInstance()),
        retryPolicy);
  }

  /** One model version in detail; {@code version} empty or null means the newest. */
  public ModelInfo getModel(String model, String version) {
    GetModelRequest request = GetModelRequest.newBuilder().setModel(model)
        .setVersion(version == null ? "" : version).build();
    return callWithRetry(ClassifierGrpc::newBlockingStub,
        (stub, d) -> stub.withDeadline(d).getModel(request), retryPolicy);
  }

  // ---- Model repository (OIP v2 / Triton repository RPCs) ----

  /**
   * Loads a model's version folders, or one version ({@code version} non-empty), from the
   * server's repository (RepositoryModelLoad). Not retried: the server rescans on each call.
   */
  public void loadModel(String model, String version) {
    RepositoryModelLoadRequest.Builder request =
        RepositoryModelLoadRequest.newBuilder().setModelName(model);
    if (version != null && !version.isEmpty()) {
      request.putParameters("version",
          ModelRepositoryParameter.newBuilder().setStringParam(version).build());
    }
    callWithRetry(GRPCInferenceServiceGrpc::newBlockingStub,
        (stub, d) -> stub.withDeadline(d).repositoryModelLoad(request.build()), RetryPolicy.none());
  }

  /**
   * Unloads a model, or one version: returns once the server has finished the work it had
   * accepted for it (RepositoryModelUnload). Not retried.
   */
  public void unloadModel(String model, String version) {
    RepositoryModelUnloadRequest.Builder request =
        RepositoryModelUnloadRequest.newBuilder().setModelName(model);
    if (version != null && !version.isEmpty()) {
      request.putParameters("version",
          ModelRepositoryParameter.newBuilder().setStringParam(version).build());
    }
    callWithRetry(GRPCInferenceServiceGrpc::newBlockingStub,
        (stub, d) -> stub.withDeadline(d).repositoryModelUnload(request.build()),
        RetryPolicy.none());
  }

  /** Every version folder of the server's repository with its state (RepositoryIndex). */
  public RepositoryIndexResponse repositoryIndex() {
    return callWithRetry(GRPCInferenceServiceGrpc::newBlockingStub,
        (stub, d) -> stub.withDeadline(d).repositoryIndex(
            RepositoryIndexRequest.getDefaultInstance()), retryPolicy);
  }

  /**
   * The standard grpc.health.v1 status of {@code service} ("" = the whole server) at the next
   * target. Not retried: a probe reports what it sees.
   */
  public HealthCheckResponse.ServingStatus health(String service) {
    HealthCheckRequest request =
        HealthCheckRequest.newBuilder().setService(service == null ? "" : service).build();
    return callWithRetry(HealthGrpc::newBlockingStub,
        (stub, d) -> stub.withDeadline(d).check(request).getStatus(), RetryPolicy.none());
  }

  @Override
  public void close() {
    retryTimer.shutdownNow();
    channels.forEach(ManagedChannel::shutdown);
    try {
      for (ManagedChannel channel : channels) {
        if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
          channel.shutdownNow();
        }
      }
    } catch (InterruptedException e) {
      channels.forEach(ManagedChannel::shutdownNow);
      Thread.currentThread().interrupt();
    }
  }

  // ---- internals ----

  private ManagedChannel nextChannel() {
    return channels.get((int) Math.floorMod(rotation.getAndIncrement(), (long) channels.size()));
  }

  private static boolean retryable(Status.Code code) {
    return code == Status.Code.UNAVAILABLE;
  }

  private <S, T> T callWithRetry(
      Function<ManagedChannel, S> stubFactory, StubCall<S, T> call, RetryPolicy policy) {
    Deadline callDeadline = Deadline.after(deadline.toNanos(), TimeUnit.NANOSECONDS);
    for (int attempt = 1; ; attempt++) {
      try {
        return call.apply(stubFactory.apply(nextChannel()), callDeadline);
      } catch (StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        long wait = policy.backoffMillis(attempt, ThreadLocalRandom.current()::nextDouble);
        if (!retryable(code) || attempt >= policy.maxAttempts()
            || callDeadline.timeRemaining(TimeUnit.MILLISECONDS) <= wait) {
          throw CerberusException.from(e);
        }
        try {
          Thread.sleep(wait);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new CerberusException(Status.Code.CANCELLED, "interrupted while retrying", ie);
        }
      }
    }
  }

  private <T> void attemptAsync(
      BiConsumer<ClassifierGrpc.ClassifierStub, StreamObserver<T>> call,
      CompletableFuture<T> result, int attempt, Deadline callDeadline) {
    ClassifierGrpc.ClassifierStub stub =
        ClassifierGrpc.newStub(nextChannel()).withDeadline(callDeadline);
    call.accept(stub, new StreamObserver<>() {
      private T value;

      @Override
      public void onNext(T v) {
        value = v;
      }

      @Override
      public void onError(Throwable t) {
        Status.Code code = Status.fromThrowable(t).getCode();
        long wait = retryPolicy.backoffMillis(attempt, ThreadLocalRandom.current()::nextDouble);
        if (!retryable(code) || attempt >= retryPolicy.maxAttempts()
            || callDeadline.timeRemaining(TimeUnit.MILLISECONDS) <= wait
            || retryTimer.isShutdown()) {
          result.completeExceptionally(CerberusException.from(t));
          return;
        }
        retryTimer.schedule(
            () -> attemptAsync(call, result, attempt + 1, callDeadline), wait, TimeUnit.MILLISECONDS);
      }

      @Override
      public void onCompleted() {
        result.complete(value);
      }
    });
  }

  @FunctionalInterface
  private interface StubCall<S, T> {
    T apply(S stub, Deadline deadline);
  }

  private static ChannelCredentials credentials(TlsConfig tls) {
    if (tls == null) {
      return InsecureChannelCredentials.create();
    }
    try {
      TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
      if (tls.trustCertFile() != null) {
        b.trustManager(tls.trustCertFile().toFile());
      }
      if (tls.clientCertFile() != null) {
        b.keyManager(tls.clientCertFile().toFile(), tls.clientKeyFile().toFile());
      }
      return b.build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read TLS files: " + e.getMessage(), e);
    }
  }

  /** Settings of a {@link CerberusClient}; every one has a default except the target. */
  public static final class Builder {
    private final List<Target> targets = new ArrayList<>();
    private TlsConfig tls;
    private String bearerToken;
    private Duration deadline = DEFAULT_DEADLINE;
    private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
    private int maxInboundMessageBytes = DEFAULT_MAX_INBOUND_MESSAGE_BYTES;

    private Builder() {}

    /** Adds a target, {@code host:port}; several targets are used round-robin. */
    public Builder target(String hostPort) {
      targets.add(Target.parse(hostPort));
      return this;
    }

    public Builder targets(List<String> hostPorts) {
      hostPorts.forEach(this::target);
      return this;
    }

    /** Plaintext (the default). */
    public Builder plaintext() {
      this.tls = null;
      return this;
    }

    public Builder tls(TlsConfig tls) {
      this.tls = tls;
      return this;
    }

    /** Sends {@code authorization: Bearer <token>} with every call; null for none. */
    public Builder bearerToken(String token) {
      this.bearerToken = token;
      return this;
    }

    /** Deadline of each unary call, covering all of its retries. */
    public Builder deadline(Duration deadline) {
      if (deadline == null || deadline.isNegative() || deadline.isZero()) {
        throw new IllegalArgumentException("deadline must be positive; got " + deadline);
      }
      this.deadline = deadline;
      return this;
    }

    public Builder retryPolicy(RetryPolicy policy) {
      this.retryPolicy = java.util.Objects.requireNonNull(policy, "retryPolicy");
      return this;
    }

    /** Largest response message accepted, in bytes. */
    public Builder maxInboundMessageBytes(int bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException(
            "maxInboundMessageBytes is " + bytes + "; it must be at least 1024");
      }
      this.maxInboundMessageBytes = bytes;
      return this;
    }

    public CerberusClient build() {
      if (targets.isEmpty()) {
        throw new IllegalArgumentException("no target: call target(\"host:port\")");
      }
      return new CerberusClient(this);
    }
  }
}
