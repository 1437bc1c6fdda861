package dev.cerberus.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cerberus bench run|sweep|offline|full|text-tops|deadline|device-check|soak} (also {@code cerberus bench --full}). Every
 * network call goes to 127.0.0.1; every run is bounded by a duration and/or a request count.
 */
@Command(name = "cerberus bench", mixinStandardHelpOptions = true,
    description = "Benchmark harness: drives the real server over loopback and reports throughput, "
        + "latency percentiles, server queue time, batch sizes, CPU and RSS.",
    subcommands = {BenchMain.Run.class, BenchMain.Sweep.class, BenchMain.Offline.class, AbRun.class, FullRun.class, TextTopsRun.class, DeadlineRun.class, DeviceCheck.class, SoakRun.class})
public final class BenchMain implements Callable<Integer> {

  @Option(names = "--full", description = "Run every side-by-side scenario (same as: bench full).")
  boolean full;

  public static void main(String[] args) {
    System.exit(new CommandLine(new BenchMain()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (full) return new FullRun().call();
    CommandLine.usage(this, System.err);
    return 2;
  }

  /** Where the server under test comes from, and the load. */
  static final class Common {
    @Option(names = "--models", description = "Model repository: the harness starts the server jar on it "
        + "(as a child process, 127.0.0.1, free port) and reads its /proc stats.")
    Path models;

    @Option(names = "--target-port", description = "Use a server already listening on 127.0.0.1:PORT "
        + "instead (no CPU/RSS then).")
    Integer targetPort;

    @Option(names = "--server-jar", defaultValue = "server/target/cerberus-server.jar")
    Path serverJar;

    @Option(names = "--server-jvm-args", split = " ",
        defaultValue = "-Xmx2g -Dai.djl.pytorch.graph_optimizer=false",
        description = "JVM arguments of the server child (default: ${DEFAULT-VALUE}).")
    List<String> serverJvmArgs = new ArrayList<>();

    @Option(names = "--server-args", split = " ", description = "Extra `serve` flags, e.g. \"--max-batch-size 32\".")
    List<String> serverArgs = new ArrayList<>();

    @Option(names = "--model", required = true, split = ",",
        description = "Model name; several (comma-separated) = one logical request fans out to all.")
    List<String> model;

    @Option(names = "--workload", defaultValue = "images:examples/images/fashion",
        description = "images:DIR | tensor:N | text:mixed | text:long (default: ${DEFAULT-VALUE}).")
    String workload;

    @Option(names = "--items", defaultValue = "1", description = "Items per request (per stream message).")
    int items;

    @Option(names = "--stream", description = "ClassifyStream instead of unary Classify.")
    boolean stream;

    @Option(names = "--window", defaultValue = "128", description = "Items in flight per stream.")
    int window;

    @Option(names = "--warm-up", defaultValue = "10", description = "Seconds of load before measuring.")
    double warmUp;

    @Option(names = "--duration", defaultValue = "20", description = "Measured seconds (upper bound).")
    double duration;

    @Option(names = "--requests", defaultValue = "0", description = "Stop after N measured requests (0: duration only).")
    long requests;

    @Option(names = "--rate", defaultValue = "0", description = "Open loop: requests/s on a fixed schedule.")
    double rate;

    @Option(names = "--out", defaultValue = "bench/target/run", description = "Writes result.json and result.md here.")
    Path out;

    LoadSpec spec(int concurrency) {
      return new LoadSpec(model, stream, concurrency, items, window, warmUp, duration, requests, rate);
    }

    ServerProcess start() throws Exception {
      return ServerProcess.startCerberus(Root.resolve(serverJar), models, serverJvmArgs, serverArgs, out.resolve("server.log"));
    }
  }

  @Command(name = "run", mixinStandardHelpOptions = true, description = "One load run.")
  static final class Run implements Callable<Integer> {
    @Mixin Common c;

    @Option(names = "--concurrency", defaultValue = "32")
    int concurrency;

    @Override
    public Integer call() throws Exception {
      ArrayNode rows = Measure.JSON.createArrayNode();
      withServer(c, (srv, gen) -> rows.add(Measure.run("run", srv, gen, c.spec(concurrency), true, null)));
      return write(c.out, "result", rows);
    }
  }

  @Command(name = "sweep", mixinStandardHelpOptions = true,
      description = "Concurrency sweep (like perf_analyzer): one run per concurrency, one server.")
  static final class Sweep implements Callable<Integer> {
    @Mixin Common c;

    @Option(names = "--concurrency", defaultValue = "1,2,4,8,16,32,64", split = ",")
    List<Integer> concurrency;

    @Override
    public Integer call() throws Exception {
      ArrayNode rows = Measure.JSON.createArrayNode();
      withServer(c, (srv, gen) -> {
        for (int n : concurrency) rows.add(Measure.run("c" + n, srv, gen, c.spec(n), true, null));
      });
      return write(c.out, "sweep", rows);
    }
  }

  @Command(name = "offline", mixinStandardHelpOptions = true,
      description = "Offline ceiling: in-process forward of a bundle in a child JVM (no gRPC).")
  static final class Offline implements Callable<Integer> {
    @Option(names = "--bundle", required = true) Path bundle;
    @Option(names = "--workload", defaultValue = "images:examples/images/fashion") String workload;
    @Option(names = "--batch-sizes", defaultValue = "1,8,32") String sizes;
    @Option(names = "--duration", defaultValue = "15") double seconds;
    @Option(names = "--warm-up", defaultValue = "5") double warmUp;
    @Option(names = "--server-jar", defaultValue = "server/target/cerberus-server.jar") Path serverJar;
    @Option(names = "--jvm-args", split = " ", defaultValue = "-Xmx2g -Dai.djl.pytorch.graph_optimizer=false")
    List<String> jvmArgs;
    @Option(names = "--out", defaultValue = "bench/target/offline") Path out;

    @Override
    public Integer call() throws Exception {
      ObjectNode r = offline(Root.resolve(serverJar), jvmArgs, bundle, workload, sizes, seconds, warmUp);
      Files.createDirectories(out);
      Files.writeString(out.resolve("offline.json"), Measure.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(r));
      System.out.println(Measure.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(r));
      return 0;
    }
  }

  /** Runs {@link OfflineMain} in a child JVM with the server jar on the class path. */
  static ObjectNode offline(Path serverJar, List<String> jvmArgs, Path bundle, String workload, String sizes,
      double seconds, double warmUp) throws Exception {
    ProcessBuilder pb = OfflineChild.processFor(serverJar, jvmArgs,
        List.of(bundle.toString(), workload, sizes, String.valueOf(seconds), String.valueOf(warmUp)))
        .redirectError(ProcessBuilder.Redirect.INHERIT);
    Process p = pb.start();
    String stdout = new String(p.getInputStream().readAllBytes());
    int rc = p.waitFor();
    if (rc != 0) throw new IllegalStateException("offline run exited with " + rc);
    String last = Arrays.stream(stdout.split("\n")).filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow();
    return (ObjectNode) Measure.JSON.readTree(last);
  }

  interface WithServer {
    void accept(ServerProcess srv, LoadGenerator gen) throws Exception;
  }

  static void withServer(Common c, WithServer body) throws Exception {
    var items = Workload.items(c.workload);
    if (c.targetPort != null) {
      try (LoadGenerator gen = new LoadGenerator(c.targetPort, items)) {
        body.accept(null, gen);
      }
      return;
    }
    if (c.models == null) throw new CommandLine.ParameterException(new CommandLine(new BenchMain()),
        "give --models DIR (start a server) or --target-port PORT");
    try (ServerProcess srv = c.start(); LoadGenerator gen = new LoadGenerator(srv.port, items)) {
      body.accept(srv, gen);
    }
  }

  static int write(Path out, String name, ArrayNode rows) throws Exception {
    Files.createDirectories(out);
    Files.writeString(out.resolve(name + ".json"), Measure.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(rows));
    String md = Measure.markdown(rows);
    Files.writeString(out.resolve(name + ".md"), md);
    System.out.print(md);
    return 0;
  }
}
