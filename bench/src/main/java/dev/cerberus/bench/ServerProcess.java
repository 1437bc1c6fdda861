package dev.cerberus.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server under test started as a child process (the Cerberus server jar, or the Python peer),
 * so its CPU time and RSS can be read from /proc/&lt;pid&gt;. The child binds 127.0.0.1 and a free
 * port, which it prints in its start-up line; its log goes to a file.
 */
final class ServerProcess implements AutoCloseable {

  private static final Pattern LISTENING =
      Pattern.compile("listening on [^:\\s]+:(\\d+)(?:.*metrics on port (\\d+))?");

  final Process process;
  final int port;
  final int metricsPort;
  final Path log;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private ServerProcess(Process process, int port, int metricsPort, Path log) {
    this.process = process;
    this.port = port;
    this.metricsPort = metricsPort;
    this.log = log;
  }

  /** java [jvmArgs] -jar serverJar serve --host 127.0.0.1 --port 0 --metrics-port 0 --models dir [args]. */
  static ServerProcess startCerberus(Path serverJar, Path models, List<String> jvmArgs, List<String> args,
      Path log) throws IOException {
    return startCerberus(serverJar, models, jvmArgs, args, log, Map.of());
  }

  static ServerProcess startCerberus(Path serverJar, Path models, List<String> jvmArgs, List<String> args,
      Path log, Map<String, String> env) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(javaBin());
    cmd.addAll(jvmArgs);
    cmd.add("-jar");
    cmd.add(serverJar.toString());
    cmd.addAll(List.of("serve", "--host", "127.0.0.1", "--port", "0", "--metrics-port", "0",
        "--models", models.toString()));
    cmd.addAll(args);
    return start(cmd, log, Duration.ofSeconds(300), env);
  }

  /** The naive Python peer (bench/peer/peer_server.py). */
  static ServerProcess startPeer(Path script, Path stubs, Path models, List<String> args, Path log)
      throws IOException {
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", script.toString(), "--port", "0",
        "--stubs", stubs.toString(), "--models", models.toString()));
    cmd.addAll(args);
    return start(cmd, log, Duration.ofSeconds(300), Map.of());
  }

  static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static ServerProcess start(List<String> cmd, Path log, Duration timeout, Map<String, String> env)
      throws IOException {
    Files.createDirectories(log.toAbsolutePath().getParent());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("DJL_OFFLINE", "true");
    pb.environment().put("OPT_OUT_TRACKING", "true");
    pb.environment().putAll(env);
    Process p = pb.start();
    CompletableFuture<int[]> ports = new CompletableFuture<>();
    Thread pump = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
          var w = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
        String line;
        while ((line = r.readLine()) != null) {
          w.write(line);
          w.newLine();
          w.flush();
          Matcher m = LISTENING.matcher(line);
          if (!ports.isDone() && m.find()) {
            ports.complete(new int[] {Integer.parseInt(m.group(1)),
                m.group(2) == null ? -1 : Integer.parseInt(m.group(2))});
          }
        }
      } catch (IOException ignored) {
        // the child went away
      }
      ports.completeExceptionally(new IOException("server exited before it listened; see " + log));
    }, "server-log");
    pump.setDaemon(true);
    pump.start();
    try {
      int[] pp = ports.get(timeout.toSeconds(), TimeUnit.SECONDS);
      return new ServerProcess(p, pp[0], pp[1], log);
    } catch (Exception e) {
      p.destroyForcibly();
      String tail = "";
      try {
        List<String> lines = Files.readAllLines(log);
        tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
      } catch (IOException ignored) {
        // no log
      }
      throw new IOException("server did not start: " + e.getMessage() + "\n" + tail, e);
    }
  }

  long pid() {
    return process.pid();
  }

  /** utime + stime of the process in seconds (all threads), from /proc/pid/stat. */
  double cpuSeconds() {
    return CpuClock.process(String.valueOf(pid()));
  }

  /** VmRSS in KiB, from /proc/pid/status. */
  /**
   * Waits until the process has used less than {@code idleCores} CPU over a 1 s window, or
   * {@code maxSeconds} passed; returns the seconds waited. A server that computes cancelled
   * work (the naive Python peer does) would otherwise spill its backlog into the next slice.
   */
  double awaitIdle(double idleCores, double maxSeconds) throws InterruptedException {
    long start = System.nanoTime();
    while ((System.nanoTime() - start) / 1e9 < maxSeconds) {
      double c0 = cpuSeconds();
      Thread.sleep(1000);
      if (cpuSeconds() - c0 < idleCores) break;
    }
    return (System.nanoTime() - start) / 1e9;
  }

  long rssKb() {
    return statusKb("VmRSS:");
  }

  long statusKb(String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid()), "status"))) {
        if (line.startsWith(key)) return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /** Prometheus text exposition (one sample per key: name{labels} -> value); empty without metrics. */
  Map<String, Double> scrape() {
    Map<String, Double> out = new LinkedHashMap<>();
    if (metricsPort < 0) return out;
    try {
      HttpResponse<String> r = http.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
              .timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      for (String line : r.body().split("\n")) {
        if (line.isEmpty() || line.startsWith("#")) continue;
        int sp = line.lastIndexOf(' ');
        if (sp < 0) continue;
        try {
          out.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
        } catch (NumberFormatException ignored) {
          // not a sample
        }
      }
    } catch (IOException e) {
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return out;
  }

  /** Sum of every sample whose key starts with {@code prefix} (all label sets). */
  static double sum(Map<String, Double> samples, String prefix) {
    double s = 0;
    for (var e : samples.entrySet()) if (e.getKey().startsWith(prefix)) s += e.getValue();
    return s;
  }

  @Override
  public void close() {
    process.destroy(); // SIGTERM: the server drains and exits
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
