package dev.cerberus.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The offline ceiling as a long-lived child JVM ({@link OfflineMain} interactive mode). */
final class OfflineChild implements AutoCloseable {

  private final Process process;
  private final BufferedReader out;
  private final PrintWriter in;

  OfflineChild(Path serverJar, List<String> jvmArgs, Path bundle, String workload, String warmSizes, Path log)
      throws Exception {
    this(serverJar, jvmArgs, List.of(bundle), workload, warmSizes, log);
  }

  /** Several bundles: every timed batch goes through each of them in turn (N separate models). */
  OfflineChild(Path serverJar, List<String> jvmArgs, List<Path> bundles, String workload, String warmSizes, Path log)
      throws Exception {
    String dirs = String.join(",", bundles.stream().map(Path::toString).toList());
    ProcessBuilder pb = processFor(serverJar, jvmArgs,
        List.of(dirs, workload, warmSizes, "interactive", "0"))
        .redirectError(log.toFile());
    process = pb.start();
    out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
    String line;
    while ((line = out.readLine()) != null && !line.equals("ready")) {
      // skip anything printed before
    }
    if (line == null) throw new IOException("offline child exited during load; see " + log);
  }

  long pid() {
    return process.pid();
  }

  ObjectNode run(int batch, double seconds, double warmUp) throws IOException {
    return run(batch, seconds, warmUp, 1);
  }

  /** Token lengths of the workload's items as the (first) bundle prepares them; text only. */
  ObjectNode tokens() throws IOException {
    in.println("tokens");
    return readJson();
  }

  /** Forward on {@code lanes} threads at once (the server's inference threads). */
  ObjectNode run(int batch, double seconds, double warmUp, int lanes) throws IOException {
    in.println(batch + " " + seconds + " " + warmUp + " " + lanes);
    return readJson();
  }

  private ObjectNode readJson() throws IOException {
    String line;
    while ((line = out.readLine()) != null && !line.startsWith("{")) {
      // skip
    }
    if (line == null) throw new IOException("offline child exited");
    return (ObjectNode) Measure.JSON.readTree(line);
  }

  @Override
  public void close() throws InterruptedException {
    in.println("quit");
    if (!process.waitFor(20, TimeUnit.SECONDS)) process.destroyForcibly();
  }

  /**
   * A JVM running {@link OfflineMain} with the server jar on its class path and the same
   * engine settings the server gets (offline, intra-op threads = cores unless given, inter-op 1).
   */
  static ProcessBuilder processFor(Path serverJar, List<String> jvmArgs, List<String> mainArgs)
      throws Exception {
    String self = Path.of(OfflineMain.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    List<String> cmd = new ArrayList<>(List.of(ServerProcess.javaBin()));
    cmd.addAll(jvmArgs);
    cmd.add("-Dai.djl.offline=true");
    if (jvmArgs.stream().noneMatch(a -> a.startsWith("-Dai.djl.pytorch.num_threads"))) {
      cmd.add("-Dai.djl.pytorch.num_threads=" + Runtime.getRuntime().availableProcessors());
    }
    cmd.add("-Dai.djl.pytorch.num_interop_threads=1");
    cmd.addAll(List.of("-cp", serverJar + ":" + self, OfflineMain.class.getName()));
    cmd.addAll(mainArgs);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("DJL_OFFLINE", "true");
    pb.environment().put("OPT_OUT_TRACKING", "true");
    return pb;
  }
}
