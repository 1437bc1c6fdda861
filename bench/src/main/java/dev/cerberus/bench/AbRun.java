package dev.cerberus.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Before/after of one change, side by side: two servers (A and B) on the same models, differing
 * only in JVM arguments, serve flags, environment or server jar; both started and warmed, then
 * the same load alternates A, B, A, B... Reports the median of the per-round B/A ratios.
 */
@Command(name = "ab", mixinStandardHelpOptions = true,
    description = "A/B of two server configurations under the same load, interleaved rounds.")
final class AbRun implements Callable<Integer> {

  @Mixin BenchMain.Common c;

  @Option(names = "--concurrency", defaultValue = "32") int concurrency;
  @Option(names = "--rounds", defaultValue = "3") int rounds;
  @Option(names = "--b-server-jvm-args", split = " ", description = "JVM args of B (default: A's).") List<String> bJvm;
  @Option(names = "--b-server-args", split = " ", description = "Serve flags of B (default: A's).") List<String> bArgs;
  @Option(names = "--b-server-jar", description = "Server jar of B (default: A's).") Path bJar;
  @Option(names = "--b-env", split = ",", description = "Environment of B: K=V,K=V.") List<String> bEnv;
  @Option(names = "--a-env", split = ",", description = "Environment of A: K=V,K=V.") List<String> aEnv;

  @Override
  public Integer call() throws Exception {
    var items = Workload.items(c.workload);
    ArrayNode rows = Measure.JSON.createArrayNode();
    List<Double> ratio = new ArrayList<>();
    Path jar = Root.resolve(c.serverJar);
    try (ServerProcess a = ServerProcess.startCerberus(jar, c.models, c.serverJvmArgs, c.serverArgs,
            c.out.resolve("server-a.log"), env(aEnv));
        ServerProcess b = ServerProcess.startCerberus(bJar == null ? jar : Root.resolve(bJar), c.models,
            bJvm == null ? c.serverJvmArgs : bJvm, bArgs == null ? c.serverArgs : bArgs, c.out.resolve("server-b.log"), env(bEnv));
        LoadGenerator ga = new LoadGenerator(a.port, items);
        LoadGenerator gb = new LoadGenerator(b.port, items)) {
      for (int r = 1; r <= rounds; r++) {
        LoadSpec spec = c.spec(concurrency);
        if (r > 1) spec = new LoadSpec(spec.models(), spec.stream(), spec.concurrency(), spec.itemsPerRequest(),
            spec.streamWindow(), Math.min(3, spec.warmUpSeconds()), spec.durationSeconds(), spec.maxRequests(), spec.rate());
        ObjectNode ra = Measure.run("A", a, ga, spec, true, null);
        ObjectNode rb = Measure.run("B", b, gb, spec, true, null);
        ra.put("round", r);
        rb.put("round", r);
        rows.add(ra);
        rows.add(rb);
        ratio.add(rb.get("items_per_s").asDouble() / ra.get("items_per_s").asDouble());
      }
    }
    ObjectNode doc = Measure.JSON.createObjectNode();
    doc.put("a", "jvm=" + c.serverJvmArgs + " args=" + c.serverArgs + " env=" + aEnv);
    doc.put("b", "jvm=" + (bJvm == null ? c.serverJvmArgs : bJvm) + " args=" + (bArgs == null ? c.serverArgs : bArgs)
        + " env=" + bEnv + (bJar == null ? "" : " jar=" + bJar));
    doc.put("b_vs_a_items_per_s_median", Measure.round4(FullRun.median(ratio)));
    doc.putPOJO("b_vs_a_per_round", ratio);
    doc.put("loadavg_end", Files.readString(Path.of("/proc/loadavg")).trim());
    doc.set("rows", rows);
    Files.createDirectories(c.out);
    Files.writeString(c.out.resolve("ab.json"), Measure.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
    String md = "A: " + doc.get("a").asText() + "\n\nB: " + doc.get("b").asText() + "\n\nB/A items/s (median of rounds): "
        + doc.get("b_vs_a_items_per_s_median") + " per round " + ratio + "\n\n" + Measure.markdown(rows);
    Files.writeString(c.out.resolve("ab.md"), md);
    System.out.println(md);
    return 0;
  }

  static Map<String, String> env(List<String> kv) {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    if (kv != null) for (String s : kv) m.put(s.substring(0, s.indexOf('=')), s.substring(s.indexOf('=') + 1));
    return m;
  }
}
