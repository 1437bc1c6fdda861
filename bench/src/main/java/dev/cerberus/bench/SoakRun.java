package dev.cerberus.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cerberus.proto.oip.GRPCInferenceServiceGrpc;
import dev.cerberus.proto.oip.ModelReadyRequest;
import dev.cerberus.proto.oip.ServerReadyRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cerberus bench soak --minutes N}: the server jar as a child process, mixed good and bad
 * load on both APIs (unary and streams, {@link SoakLoad}, {@link SoakStreams}) for N minutes
 * while a new version of the model is copied in (atomically: copy, then rename) and the old one
 * removed every {@code --reload-every} seconds. Reports errors by kind, lost items (sent minus
 * answered), the server's RSS curve (PNG) and p99 per minute ({@link SoakReport}).
 */
@Command(name = "soak", mixinStandardHelpOptions = true,
    description = "Mixed good and bad load on both APIs (unary and streams) with hot reloads for N minutes; "
        + "writes soak-TAG.{json,md,png}.")
final class SoakRun implements Callable<Integer> {

  @Option(names = "--minutes", defaultValue = "10", description = "Length of the load (default: ${DEFAULT-VALUE}).")
  double minutes;

  @Option(names = "--models", defaultValue = "models",
      description = "Repository holding the model; it is copied, never changed (default: ${DEFAULT-VALUE}).")
  Path models;

  @Option(names = "--model", defaultValue = "fashion", description = "Model to soak (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(names = "--unary-workers", defaultValue = "4", description = "Threads making unary calls.")
  int unaryWorkers;

  @Option(names = "--classify-streams", defaultValue = "2", description = "ClassifyStreams open at a time.")
  int classifyStreams;

  @Option(names = "--oip-streams", defaultValue = "1", description = "ModelStreamInfer streams open at a time.")
  int oipStreams;

  @Option(names = "--items-per-stream", defaultValue = "2000", description = "Items before a stream is closed and reopened.")
  int itemsPerStream;

  @Option(names = "--pause-ms", defaultValue = "0", description = "Pause of each worker between calls / stream messages.")
  long pauseMs;

  @Option(names = "--reload-every", defaultValue = "30", description = "Seconds between version swaps (0: none).")
  double reloadEvery;

  @Option(names = "--warm-up", defaultValue = "10",
      description = "Seconds of load before the RSS start sample (default: ${DEFAULT-VALUE}).")
  double warmUp;

  @Option(names = "--max-items-per-request", defaultValue = "64")
  int maxItems;

  @Option(names = "--server-jar", defaultValue = "server/target/cerberus-server.jar")
  Path serverJar;

  @Option(names = "--server-jvm-args", split = " ",
      defaultValue = "-Xms512m -Xmx512m -XX:+AlwaysPreTouch -Dai.djl.pytorch.graph_optimizer=false",
      description = "JVM arguments of the server: a pre-touched fixed heap, so RSS growth is not heap sizing "
          + "(default: ${DEFAULT-VALUE}).")
  List<String> serverJvmArgs = new ArrayList<>();

  @Option(names = "--out", defaultValue = "bench/results", description = "Folder of the report (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--tag", description = "Report name soak-TAG (default: the start time, yyyyMMdd-HHmm).")
  String tag;

  @Override
  public Integer call() throws Exception {
    ObjectNode doc = run();
    System.out.print(SoakReport.markdown(doc));
    return doc.path("unexpected_errors").asLong() == 0 && doc.path("lost_items").asLong() == 0
        && doc.path("healthy_at_end").asBoolean() ? 0 : 1;
  }

  /** Runs the soak and writes the report; returns the JSON document. */
  ObjectNode run() throws Exception {
    String name = "soak-" + (tag != null ? tag : LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmm")));
    Path outDir = Root.resolve(out);
    Files.createDirectories(outDir);
    Path work = Files.createTempDirectory("cerberus-soak");
    SoakVersions versions = SoakVersions.copy(Root.resolve(models).resolve(model), work, model);
    SoakInputs inputs = SoakInputs.forBundle(versions.newestDir());
    List<String> serverArgs = List.of("--reload-interval-seconds", "1",
        "--max-items-per-request", Integer.toString(maxItems));
    List<double[]> rss = new ArrayList<>(); // {seconds, MiB}
    ObjectNode doc = Measure.JSON.createObjectNode();
    try (ServerProcess srv = ServerProcess.startCerberus(Root.resolve(serverJar), versions.repository(),
        serverJvmArgs, serverArgs, work.resolve("server.log"))) {
      ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", srv.port).usePlaintext()
          .maxInboundMessageSize(64 << 20).build();
      // the clock starts once the server listens and a first call connected: on a starved box
      // (load average 55 on 2 cores) the start took minutes and the first connect 46 s
      GRPCInferenceServiceGrpc.newBlockingStub(ch).withWaitForReady().withDeadlineAfter(300, TimeUnit.SECONDS)
          .serverReady(ServerReadyRequest.getDefaultInstance());
      long start = System.nanoTime();
      long end = start + (long) (minutes * 60e9);
      BooleanSupplier stop = () -> System.nanoTime() >= end;
      SoakTally tally = new SoakTally(start);
      ExecutorService pool = Executors.newCachedThreadPool();
      List<Future<?>> jobs = new ArrayList<>();
      SoakLoad load = new SoakLoad(ch, model, inputs, tally, maxItems);
      SoakStreams streams = new SoakStreams(ch, model, inputs, tally);
      for (int i = 0; i < unaryWorkers; i++) {
        int seed = i;
        jobs.add(pool.submit(() -> load.worker(seed, stop, pauseMs)));
      }
      for (int i = 0; i < classifyStreams; i++) {
        int seed = 100 + i;
        jobs.add(pool.submit(() -> {
          streams.classifyStreams(seed, stop, itemsPerStream, pauseMs);
          return null;
        }));
      }
      for (int i = 0; i < oipStreams; i++) {
        int seed = 200 + i;
        jobs.add(pool.submit(() -> {
          streams.oipStreams(seed, stop, itemsPerStream, pauseMs);
          return null;
        }));
      }
      double nextReload = reloadEvery > 0 ? reloadEvery : Double.MAX_VALUE;
      while (!stop.getAsBoolean()) {
        double t = (System.nanoTime() - start) / 1e9;
        rss.add(new double[] {t, srv.rssKb() / 1024.0});
        if (t >= nextReload) {
          versions.swap(ch, tally);
          nextReload = (System.nanoTime() - start) / 1e9 + reloadEvery;
        }
        Thread.sleep(1000);
      }
      for (Future<?> f : jobs) {
        try {
          f.get(5, TimeUnit.MINUTES);
        } catch (java.util.concurrent.ExecutionException e) {
          tally.outcome("load thread failed", false, String.valueOf(e.getCause()));
        }
      }
      pool.shutdownNow();
      rss.add(new double[] {(System.nanoTime() - start) / 1e9, srv.rssKb() / 1024.0});
      String unhealthy = unhealthy(ch, versions);
      doc.put("healthy_at_end", unhealthy == null);
      if (unhealthy != null) doc.put("unhealthy_because", unhealthy);
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      SoakReport.fill(doc, this, tally, rss, versions);
    }
    SoakReport.write(doc, rss, outDir, name);
    return doc;
  }

  /** Null when OIP ServerReady and ModelReady of the newest version say ready after the load; else why not. */
  private String unhealthy(ManagedChannel ch, SoakVersions versions) {
    try {
      var oip = GRPCInferenceServiceGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
      if (!oip.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()) return "ServerReady: false";
      return oip.modelReady(ModelReadyRequest.newBuilder().setName(model)
          .setVersion(Integer.toString(versions.newest())).build()).getReady()
          ? null : "ModelReady " + model + " " + versions.newest() + ": false";
    } catch (RuntimeException e) {
      return String.valueOf(e);
    }
  }
}
