package dev.cerberus.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cerberus.proto.v1.ClassifierGrpc;
import dev.cerberus.proto.v1.ClassifyRequest;
import dev.cerberus.proto.v1.ClassifyResponse;
import dev.cerberus.proto.v1.GetModelRequest;
import dev.cerberus.proto.v1.ItemResult;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository rescanned by the server while clients call it over gRPC (issue 15, defect 5
 * and Deliver item 4): a half-copied version is retried once complete, a corrupt version is
 * refused with one log line while the old one serves, and versions come and go under load
 * without a single failed request.
 */
class ReloadTest {

  @TempDir Path models;
  @TempDir Path outside;
  private CerberusServer server;
  private ManagedChannel channel;

  private void start() throws Exception {
    server = CerberusServer.start(ServerSettings.from(Map.of(
        "cerberus.port", "0",
        "cerberus.models", models.toString(),
        "cerberus.reload-interval-seconds", "1")));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.shutdown();
    }
  }

  @Test
  void aVersionCopiedBundleJsonFirstIsRetriedAndServedOnceItsFilesAreComplete() throws Exception {
    TestInputs.installFixture("image", models, "shapes", "1");
    Path staged = TestInputs.installFixture("image", outside, "shapes", "2");
    try (LogCapture log = new LogCapture()) {
      start();
      // a plain recursive copy that the scan catches half-way: everything but the backbone
      Path target = models.resolve("shapes/2");
      try (var files = Files.walk(staged)) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          if (!f.getFileName().toString().equals("backbone.pt")) {
            Path out = target.resolve(staged.relativize(f).toString());
            Files.createDirectories(out.getParent());
            Files.copy(f, out);
          }
        }
      }
      await("the half copy is seen and refused", () -> server.repository().failures().stream()
          .anyMatch(f -> f.version().equals("2")));
      Thread.sleep(2_500); // two more scans of the unchanged half copy: no new log line
      assertThat(newestVersion()).isEqualTo("1");

      Files.copy(staged.resolve("backbone.pt"), target.resolve("backbone.pt"));
      await("the completed copy is loaded", () -> newestVersion().equals("2"));
      ClassifyResponse answer = ClassifierGrpc.newBlockingStub(channel)
          .withDeadlineAfter(20, TimeUnit.SECONDS).classify(ClassifyRequest.newBuilder()
              .setModel("shapes").setVersion("2")
              .addItems(CerberusServerTest.image("a", TestInputs.png(16, 16, 1))).build());
      assertThat(answer.getResultsList()).singleElement().matches(ItemResult::hasPrediction);
      assertThat(server.repository().failures()).isEmpty();
      assertThat(log.lines().stream().filter(l -> l.contains("not serving"))).hasSize(1);
    }
  }

  @Test
  void versionsComeAndGoUnderLoadWithoutAFailedRequestAndACorruptOneIsRefusedInOneLine()
      throws Exception {
    TestInputs.installFixture("image", models, "shapes", "1");
    try (LogCapture log = new LogCapture()) {
      start();
      Load load = new Load(channel);
      NeverEndingStream stream = NeverEndingStream.open(channel, "shapes");
      await("traffic flows", () -> load.ok.get() > 20 && stream.predicted.get() > 20);

      // a corrupt version 2, moved into place atomically: refused, version 1 keeps serving
      Path corrupt = TestInputs.installFixture("image", outside, "shapes", "2");
      Files.write(corrupt.resolve("backbone.pt"), "not a TorchScript file".getBytes());
      Files.move(corrupt, models.resolve("shapes/2"), StandardCopyOption.ATOMIC_MOVE);
      await("the corrupt version is refused", () -> server.repository().failures().stream()
          .anyMatch(f -> f.version().equals("2")));
      long okBefore = load.ok.get();
      await("version 1 still serves", () -> load.ok.get() > okBefore + 20);
      List<String> refusal = log.lines().stream().filter(l -> l.contains("shapes/2")).toList();
      assertThat(refusal).singleElement().asString().contains("not serving");
      assertThat(log.text()).doesNotContain("\tat ");

      // a good version 3 is picked up by unary calls and by the open stream
      Path good = TestInputs.installFixture("image", outside, "shapes", "3");
      Files.move(good, models.resolve("shapes/3"), StandardCopyOption.ATOMIC_MOVE);
      await("version 3 answers", () -> load.versions.contains("3")
          && stream.versions.contains("3"));
      // version 1 removed while calls keep coming: retired without refusing any of them
      Files.move(models.resolve("shapes/1"), outside.resolve("retired-1"),
          StandardCopyOption.ATOMIC_MOVE);
      await("version 1 is retired", () -> server.repository().versions("shapes").stream()
          .noneMatch(m -> m.version().equals("1")));
      Thread.sleep(2_000); // past the retired version's grace: it now refuses and closes
      long okAfter = load.ok.get();
      await("calls go on after the retirement", () -> load.ok.get() > okAfter + 20);

      load.stop();
      stream.finish();
      assertThat(stream.closed.get(120, TimeUnit.SECONDS)).isEqualTo(Status.OK);
      System.out.printf("reload under load: %d unary calls ok, %d failed; stream %d sent, %d "
          + "predicted, %d errors; versions %s / %s%n", load.ok.get(), load.failed.get(),
          stream.sent.get(), stream.predicted.get(), stream.itemErrors.get(), load.versions,
          stream.versions);
      assertThat(load.failed.get()).as("first failure: %s", load.firstFailure.get()).isZero();
      assertThat(stream.itemErrors.get()).as("first error: %s", stream.firstError).isZero();
      assertThat(stream.predicted.get()).isEqualTo(stream.sent.get());
      assertThat(load.versions).contains("1", "3").doesNotContain("2");
    }
  }

  private String newestVersion() {
    return ClassifierGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .getModel(GetModelRequest.newBuilder().setModel("shapes").build()).getVersion();
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > until) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(50);
    }
  }

  /** Two threads calling Classify (newest version) back to back, counting every outcome. */
  private static final class Load {
    final AtomicLong ok = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicReference<String> firstFailure = new AtomicReference<>();
    final Set<String> versions = ConcurrentHashMap.newKeySet();
    private volatile boolean running = true;
    private final List<Thread> threads = new ArrayList<>();

    Load(ManagedChannel channel) {
      for (int t = 0; t < 2; t++) {
        int seed = t;
        Thread thread = new Thread(() -> {
          var stub = ClassifierGrpc.newBlockingStub(channel);
          ClassifyRequest request = ClassifyRequest.newBuilder().setModel("shapes")
              .addItems(CerberusServerTest.image("a", TestInputs.png(16, 16, seed)))
              .addItems(CerberusServerTest.image("b", TestInputs.png(16, 16, seed + 5))).build();
          while (running) {
            try {
              ClassifyResponse r = stub.withDeadlineAfter(30, TimeUnit.SECONDS).classify(request);
              if (r.getResultsList().stream().allMatch(ItemResult::hasPrediction)) {
                versions.add(r.getVersion());
                ok.incrementAndGet();
              } else {
                fail(r.toString());
              }
            } catch (RuntimeException e) {
              fail(e.toString());
            }
          }
        });
        thread.start();
        threads.add(thread);
      }
    }

    private void fail(String why) {
      failed.incrementAndGet();
      firstFailure.compareAndSet(null, why);
    }

    void stop() throws InterruptedException {
      running = false;
      for (Thread t : threads) {
        t.join(30_000);
      }
    }
  }
}
