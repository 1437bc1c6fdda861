package dev.cerberus.trainer.protocol;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cerberus.model.engine.MallocTuning;
import dev.cerberus.trainer.TrainerException;
import dev.cerberus.trainer.TrainingRun;
import dev.cerberus.trainer.config.ConfigException;
import dev.cerberus.trainer.config.ConfigLoader;
import dev.cerberus.trainer.data.DataException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The OOD evaluation protocol (issue 14): one template config trained on every class split
 * (folders from tools/data/export_fashion_unknown.py), then per-split and mean +- sd tables of
 * every method and the served decision. bench/ood-protocol.sh exports the splits and runs this.
 * A split whose config is unchanged and whose bundle has metrics.json is not trained again.
 */
@Command(name = "cerberus ood-protocol", mixinStandardHelpOptions = true,
    description = "Train one config on several class splits; per-split and mean +- sd tables.")
public final class ProtocolMain implements Callable<Integer> {

  @Parameters(arity = "1..*", paramLabel = "SPLIT", description = "split folders (split.json)")
  List<Path> splits;

  @Option(names = "--config", required = true, description = "the template config")
  Path template;

  @Option(names = "--work", defaultValue = "build/ood-protocol/work",
      description = "per-split configs, bundles and logs (default: ${DEFAULT-VALUE})")
  Path work;

  @Option(names = "--out", defaultValue = "bench/results/ood-protocol",
      description = "writes OUT.json and OUT.md (default: ${DEFAULT-VALUE})")
  Path out;

  @Option(names = "--near", defaultValue = "near-ood",
      description = "the near-OOD set's name; other OOD sets are far (default: ${DEFAULT-VALUE})")
  String near;

  @Option(names = "--set", description = "override a config key for every split: key.path=YAML")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--tag", defaultValue = "", description = "title of the tables")
  String tag;

  public static void main(String[] args) {
    MallocTuning.applyDefaults();
    System.exit(new CommandLine(new ProtocolMain()).execute(args));
  }

  @Override
  public Integer call() throws IOException {
    try {
      List<SplitResult> results = run(template, splits, work, overrides, near, System.err);
      write(results, out, tag.isEmpty() ? template.getFileName() + " " + overrides : tag);
      System.err.println("ood-protocol: " + results.size() + " splits -> " + out + ".json, .md");
      return 0;
    } catch (ConfigException | DataException | TrainerException | IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
  }

  /** Trains (or reuses) every split and reads its numbers. */
  public static List<SplitResult> run(Path template, List<Path> splitDirs, Path work,
      List<String> overrides, String near, PrintStream log) throws IOException {
    List<Split> splits = splitDirs.stream().map(Split::read).toList(); // all checked first
    List<SplitResult> results = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    for (Split s : splits) {
      Path dir = work.resolve(s.name());
      Path cfg = dir.resolve("config.json");
      String before = Files.exists(cfg) ? Files.readString(cfg) : null;
      SplitConfig.write(template, s, work, overrides);
      Path metrics = dir.resolve("bundle/metrics.json");
      boolean reuse = Files.readString(cfg).equals(before) && Files.exists(metrics);
      long t0 = System.nanoTime();
      if (!reuse) {
        var loaded = ConfigLoader.load(cfg);
        try (PrintStream l = new PrintStream(Files.newOutputStream(dir.resolve("train.log")), true)) {
          new TrainingRun(loaded, l).run();
        }
      }
      SplitResult r = SplitResult.of(s, json.readTree(metrics.toFile()), near);
      results.add(r);
      var served = r.methods().get(r.served());
      log.printf("ood-protocol %s (known %s): %s; served %s near AUROC %.3f FPR95 %.3f, ID acc %.4f"
          + " (%.0f s)%n", s.name(), s.known(), reuse ? "reused" : "trained", r.chosen(),
          served.nearAuroc(), served.nearFpr95(), r.idAccuracy(), (System.nanoTime() - t0) / 1e9);
    }
    return results;
  }

  /** OUT.json and OUT.md. */
  public static void write(List<SplitResult> results, Path out, String tag) throws IOException {
    Path parent = out.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(parent.resolve(out.getFileName() + ".json").toFile(),
            ProtocolTables.json(results, tag));
    Files.writeString(parent.resolve(out.getFileName() + ".md"),
        ProtocolTables.markdown(results, tag));
  }
}
