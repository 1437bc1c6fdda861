package dev.cerberus.server.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cerberus.model.GraphOptions;
import dev.cerberus.model.ServableModel;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.model.input.ModelInput;
import dev.cerberus.server.TestInputs;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The batcher's observable semantics, on the real engine with the model module's 16x16 image
 * fixture: what gets batched together, what is refused, what is never computed.
 */
class ServedModelBatchingTest {

  @TempDir static Path models;
  private final ExecutorService workers = Executors.newFixedThreadPool(2);
  private ServedModel served;

  private ServedModel serve(int maxBatch, long delayMillis, int capacity, int maxItems)
      throws Exception {
    return serve(maxBatch, delayMillis, capacity, maxItems, 1, BatchObserver.NONE);
  }

  private ServedModel serve(int maxBatch, long delayMillis, int capacity, int maxItems,
      int inferenceThreads, BatchObserver observer) throws Exception {
    Path dir = TestInputs.installFixture("image", models, "img" + System.nanoTime(), "1");
    ServableModel model = ServableModel.load(dir, new GraphOptions("cpu", new int[] {1}));
    served = new ServedModel("img", "1", model,
        new BatcherSettings(maxBatch, TimeUnit.MILLISECONDS.toNanos(delayMillis), capacity,
            maxItems, inferenceThreads),
        InputLimits.defaults(), workers, 2, observer);
    return served;
  }

  @AfterEach
  void close() {
    if (served != null) {
      served.close();
    }
    workers.shutdownNow();
  }

  private static List<ModelInput> images(int n) {
    List<ModelInput> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new ModelInput.Image(TestInputs.png(20 + i % 5, 16, i)));
    }
    return out;
  }

  private static List<ItemOutcome> await(CompletableFuture<List<ItemOutcome>> f) throws Exception {
    return f.get(60, TimeUnit.SECONDS);
  }

  @Test
  void concurrentSingleItemCallsShareForwardPasses() throws Exception {
    ServedModel m = serve(32, 400, 64, 64);
    int calls = 8;
    CountDownLatch go = new CountDownLatch(1);
    List<CompletableFuture<List<ItemOutcome>>> futures = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      CompletableFuture<List<ItemOutcome>> f = new CompletableFuture<>();
      futures.add(f);
      int seed = i;
      Thread t = new Thread(() -> {
        try {
          go.await();
          m.classify(images(1 + seed % 1), CallContext.none()).whenComplete((r, e) -> {
            if (e != null) f.completeExceptionally(e); else f.complete(r);
          });
        } catch (InterruptedException e) {
          f.completeExceptionally(e);
        }
      });
      t.start();
      threads.add(t);
    }
    go.countDown();
    for (var f : futures) {
      assertThat(await(f)).singleElement().isInstanceOf(ItemOutcome.Predicted.class);
    }
    VersionStats stats = m.stats();
    assertThat(stats.items()).isEqualTo(calls);
    // eight calls inside one 400 ms window: one pass, two if a call straddled the flush
    assertThat(stats.forwardPasses()).isLessThanOrEqualTo(2);
    assertThat(stats.queueDepth()).isZero();
  }

  @ParameterizedTest
  @ValueSource(ints = {32, 10})
  void oneRequestOf64ImagesRunsCeilingOf64OverMaxBatchPasses(int maxBatch) throws Exception {
    ServedModel m = serve(maxBatch, 5, 256, 64);
    List<ItemOutcome> out = await(m.classify(images(64), CallContext.none()));
    assertThat(out).hasSize(64).allMatch(o -> o instanceof ItemOutcome.Predicted);
    VersionStats stats = m.stats();
    assertThat(stats.forwardPasses()).isEqualTo((64 + maxBatch - 1) / maxBatch);
    assertThat(stats.batchSizeCounts()[maxBatch]).isEqualTo(64 / maxBatch);
  }

  @Test
  void predictionsKeepRequestOrder() throws Exception {
    ServedModel m = serve(4, 1, 64, 64);
    List<ModelInput> in = images(9);
    List<ItemOutcome> batched = await(m.classify(in, CallContext.none()));
    for (int i = 0; i < in.size(); i++) {
      List<ItemOutcome> alone = await(m.classify(List.of(in.get(i)), CallContext.none()));
      var a = ((ItemOutcome.Predicted) alone.get(0)).prediction();
      var b = ((ItemOutcome.Predicted) batched.get(i)).prediction();
      assertThat(b.heads().get(0).probabilities())
          .containsExactly(a.heads().get(0).probabilities(),
              org.assertj.core.data.Offset.offset(1e-4f));
    }
  }

  @Test
  void severalInferenceThreadsShareTheQueueAndAnswerLikeOne() throws Exception {
    java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
    java.util.concurrent.atomic.AtomicInteger items = new java.util.concurrent.atomic.AtomicInteger();
    ServedModel m = serve(4, 1, 1024, 64, 2, (size, waited, forward) -> {
      threads.add(Thread.currentThread().getName());
      items.addAndGet(size);
    });
    List<ModelInput> in = images(9);
    List<CompletableFuture<List<ItemOutcome>>> calls = new ArrayList<>();
    for (int c = 0; c < 40; c++) calls.add(m.classify(in, CallContext.none()));
    List<ItemOutcome> first = await(calls.get(0));
    for (CompletableFuture<List<ItemOutcome>> call : calls) {
      List<ItemOutcome> got = await(call);
      assertThat(got).hasSize(9).allMatch(o -> o instanceof ItemOutcome.Predicted);
      for (int i = 0; i < got.size(); i++) {
        assertThat(((ItemOutcome.Predicted) got.get(i)).prediction().heads().get(0).probabilities())
            .containsExactly(((ItemOutcome.Predicted) first.get(i)).prediction().heads().get(0).probabilities(),
                org.assertj.core.data.Offset.offset(1e-5f));
      }
    }
    assertThat(items.get()).isEqualTo(40 * 9);
    // 360 items in batches of at most 4 while a batch computes: both threads took batches
    assertThat(threads).hasSize(2);
    assertThat(m.stats().forwardPasses()).isGreaterThanOrEqualTo(90);
  }

  @Test
  void fullQueueRejectsTheWholeCallWithResourceExhausted() throws Exception {
    ServedModel m = serve(32, 1000, 4, 4);
    CompletableFuture<List<ItemOutcome>> first = m.classify(images(3), CallContext.none());
    CompletableFuture<List<ItemOutcome>> second = m.classify(images(2), CallContext.none());
    assertThatThrownBy(() -> second.get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(StatusRuntimeException.class)
        .satisfies(e -> {
          Status s = ((StatusRuntimeException) e).getStatus();
          assertThat(s.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
          assertThat(s.getDescription()).contains("cerberus.batch.queue-capacity");
        });
    assertThat(await(first)).hasSize(3).allMatch(o -> o instanceof ItemOutcome.Predicted);
    assertThat(m.stats().rejectedQueueFull()).isEqualTo(2);
    // room again once the first call is answered
    assertThat(await(m.classify(images(4), CallContext.none()))).hasSize(4);
  }

  @Test
  void cancelledCallIsNeverComputed() throws Exception {
    ServedModel m = serve(32, 500, 64, 64);
    AtomicBoolean cancelled = new AtomicBoolean();
    CompletableFuture<List<ItemOutcome>> f =
        m.classify(images(3), new CallContext(0, false, cancelled::get));
    Thread.sleep(100);
    cancelled.set(true);
    assertThat(await(f)).hasSize(3).allSatisfy(o ->
        assertThat(((ItemOutcome.ItemFailure) o).code()).isEqualTo(Status.Code.CANCELLED));
    assertThat(m.stats().forwardPasses()).isZero();
    assertThat(m.stats().droppedCancelled()).isEqualTo(3);
  }

  @Test
  void expiredCallIsNeverComputed() throws Exception {
    ServedModel m = serve(32, 500, 64, 64);
    List<ItemOutcome> out =
        await(m.classify(images(2), CallContext.withTimeout(50, TimeUnit.MILLISECONDS)));
    assertThat(out).allSatisfy(o -> assertThat(((ItemOutcome.ItemFailure) o).code())
        .isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    assertThat(m.stats().forwardPasses()).isZero();
    assertThat(m.stats().droppedExpired()).isEqualTo(2);
  }

  @Test
  void badItemsFailAloneAndGoodItemsAreStillPredicted() throws Exception {
    ServedModel m = serve(32, 1, 64, 64);
    List<ModelInput> in = List.of(
        new ModelInput.Image(TestInputs.png(16, 16, 1)),
        new ModelInput.Image(TestInputs.truncatedPng()),
        new ModelInput.Image(TestInputs.zipBytes()),
        new ModelInput.Image(new byte[0]),
        new ModelInput.Image(TestInputs.hugePngHeader()),
        new ModelInput.Text("an image model gets text"),
        new ModelInput.Image(TestInputs.png(30, 20, 2)));
    List<ItemOutcome> out = await(m.classify(in, CallContext.none()));
    assertThat(out.get(0)).isInstanceOf(ItemOutcome.Predicted.class);
    assertThat(out.get(6)).isInstanceOf(ItemOutcome.Predicted.class);
    for (int i = 1; i <= 5; i++) {
      assertThat(out.get(i)).as("item %d", i).isInstanceOf(ItemOutcome.ItemFailure.class);
      ItemOutcome.ItemFailure f = (ItemOutcome.ItemFailure) out.get(i);
      assertThat(f.code()).isIn(Status.Code.INVALID_ARGUMENT, Status.Code.RESOURCE_EXHAUSTED);
      assertThat(f.message()).isNotBlank();
    }
    assertThat(((ItemOutcome.ItemFailure) out.get(4)).message()).contains("50000");
    assertThat(m.stats().itemErrors()).isEqualTo(5);
    assertThat(m.stats().items()).isEqualTo(2);
  }

  @Test
  void callSizeLimitsAreInvalidArgumentNamingTheSetting() throws Exception {
    ServedModel m = serve(32, 1, 64, 8);
    assertThatThrownBy(() -> m.classify(images(9), CallContext.none()).join())
        .hasCauseInstanceOf(StatusRuntimeException.class)
        .hasMessageContaining("cerberus.max-items-per-request");
    assertThatThrownBy(() -> m.classify(List.of(), CallContext.none()).join())
        .hasMessageContaining("no items");
  }

  @Test
  void drainingFinishesQueuedWorkAndRefusesNewCalls() throws Exception {
    ServedModel m = serve(32, 300, 64, 64);
    CompletableFuture<List<ItemOutcome>> queued = m.classify(images(5), CallContext.none());
    m.stopAccepting();
    assertThatThrownBy(() -> m.classify(images(1), CallContext.none()).join())
        .hasMessageContaining("UNAVAILABLE");
    assertThat(m.awaitIdle(Duration.ofSeconds(30))).isTrue();
    assertThat(await(queued)).allMatch(o -> o instanceof ItemOutcome.Predicted);
  }
}
