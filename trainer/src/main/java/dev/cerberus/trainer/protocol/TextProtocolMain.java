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
 * The text OOD protocol (issue 14 item 1): one text template config trained on every base
 * topic (folders from tools/data/export_text_benchmark.py), then per-topic and mean +- sd
 * tables of every method, the served decision, per-head accuracy and unknowns and the overall
 * verdict against every OOD source. bench/text-ood-protocol.sh exports the topics and runs this.
 * A topic whose config is unchanged and whose bundle has metrics.json is not trained again.
 */
@Command(name = "cerberus text-ood-protocol", mixinStandardHelpOptions = true,
    description = "Train one text config on several base topics; per-topic and mean +- sd tables.")
public final class TextProtocolMain implements Callable<Integer> {

  @Parameters(arity = "1..*", paramLabel = "TOPIC", description = "topic folders (manifest.json)")
  List<Path> topics;

  @Option(names = "--config", required = true, description = "the template config")
  Path template;

  @Option(names = "--work", defaultValue = "build/text-ood-protocol/work",
      description = "per-topic configs, bundles and logs (default: ${DEFAULT-VALUE})")
  Path work;

  @Option(names = "--out", defaultValue = "bench/results/text-ood-protocol",
      description = "writes OUT.json and OUT.md (default: ${DEFAULT-VALUE})")
  Path out;

  @Option(names = "--set", description = "override a config key for every topic: key.path=YAML")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--tag", defaultValue = "", description = "title of the tables")
  String tag;

  public static void main(String[] args) {
    MallocTuning.applyDefaults();
    System.exit(new CommandLine(new TextProtocolMain()).execute(args));
  }

  @Override
  public Integer call() throws IOException {
    try {
      List<TextTopicResult> results = run(template, topics, work, overrides, System.err);
      write(results, out, tag.isEmpty() ? template.getFileName() + " " + overrides : tag);
      System.err.println("text-ood-protocol: " + results.size() + " topics -> " + out
          + ".json, .md");
      return 0;
    } catch (ConfigException | DataException | TrainerException | IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
  }

  /** Trains (or reuses) every topic and reads its numbers. */
  public static List<TextTopicResult> run(Path template, List<Path> topicDirs, Path work,
      List<String> overrides, PrintStream log) throws IOException {
    List<TextTopic> topics = topicDirs.stream().map(TextTopic::read).toList(); // all checked first
    List<TextTopicResult> results = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    for (TextTopic t : topics) {
      Path dir = work.resolve(t.name());
      Path cfg = dir.resolve("config.json");
      String before = Files.exists(cfg) ? Files.readString(cfg) : null;
      TextTopicConfig.write(template, t, work, overrides);
      Path metrics = dir.resolve("bundle/metrics.json");
      boolean reuse = Files.readString(cfg).equals(before) && Files.exists(metrics);
      long t0 = System.nanoTime();
      if (!reuse) {
        var loaded = ConfigLoader.load(cfg);
        try (PrintStream l = new PrintStream(Files.newOutputStream(dir.resolve("train.log")), true)) {
          new TrainingRun(loaded, l).run();
        }
      }
      TextTopicResult r = TextTopicResult.of(t, json.readTree(metrics.toFile()));
      results.add(r);
      log.printf("text-ood-protocol %s (%s vs %s): %s; served %s, mean head acc %.4f (%.0f s)%n",
          t.name(), t.base(), t.heads(), reuse ? "reused" : "trained", r.chosen(),
          r.meanAccuracy(), (System.nanoTime() - t0) / 1e9);
    }
    return results;
  }

  /** OUT.json and OUT.md. */
  public static void write(List<TextTopicResult> results, Path out, String tag)
      throws IOException {
    Path parent = out.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(parent.resolve(out.getFileName() + ".json").toFile(),
            TextProtocolTables.json(results, tag));
    Files.writeString(parent.resolve(out.getFileName() + ".md"),
        TextProtocolTables.markdown(results, tag));
  }
}
