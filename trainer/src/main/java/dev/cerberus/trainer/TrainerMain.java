package dev.cerberus.trainer;

import dev.cerberus.model.engine.MallocTuning;
import dev.cerberus.trainer.config.ConfigException;
import dev.cerberus.trainer.config.ConfigLoader;
import dev.cerberus.trainer.config.LoadedConfig;
import dev.cerberus.trainer.config.TrainerConfig;
import dev.cerberus.trainer.data.DataException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cerberus train CONFIG...}: one bundle per config. */
@Command(name = "cerberus train", mixinStandardHelpOptions = true,
    description = "Train heads on a frozen backbone and write a served bundle with report.")
public final class TrainerMain implements Callable<Integer> {

  @Parameters(arity = "1..*", paramLabel = "CONFIG", description = "YAML or JSON config file(s)")
  List<Path> configs;

  @Option(names = "--output", description = "Write the bundle here instead of the config's output "
      + "(one config only)")
  Path output;

  @Option(names = "--seed", paramLabel = "N", description = "Use this seed instead of the "
      + "config's (every config given); recorded in metrics.json and bundle provenance")
  Long seed;

  @Option(names = "--force", description = "Replace an existing bundle folder")
  boolean force;

  @Option(names = "--check", description = "Validate the config(s) and data, then stop")
  boolean check;

  public static void main(String[] args) {
    // the server's native-memory defaults (cerberus.engine.malloc-*): feature extraction runs
    // the same forward passes and page-faults the same way without them
    MallocTuning.Outcome malloc = MallocTuning.applyDefaults();
    if (!malloc.applied()) System.err.println("note: native buffer reuse not applied: " + malloc.detail());
    System.exit(new CommandLine(new TrainerMain()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (output != null && configs.size() != 1) {
      System.err.println("--output needs exactly one CONFIG");
      return 2;
    }
    for (Path file : configs) {
      try {
        LoadedConfig lc = ConfigLoader.load(file);
        if (output != null || seed != null) {
          TrainerConfig x = lc.config();
          lc = new LoadedConfig(lc.file(), lc.base(), new TrainerConfig(x.name(), x.version(),
              x.description(), seed != null ? seed : x.seed(),
              output != null ? output.toAbsolutePath().toString() : x.output(), x.cacheDir(),
              x.backbone(), x.input(), x.data(), x.heads(), x.gate(), x.outliers(), x.oodSets(),
              x.ood(), x.training(), x.weakSupervision(), x.flipFeatures(), x.flipTta(),
              x.decision()));
        }
        Path out = lc.resolve(lc.config().output());
        if (Files.exists(out.resolve("bundle.json")) && !force && !check) {
          System.err.println(file + ": output " + out + " already holds a bundle; pass --force "
              + "to replace it, or --output DIR");
          return 2;
        }
        if (check) {
          // everything the run checks before the backbone: config, paths, every data file
          new TrainingRun(lc, System.err).check();
          System.err.println(file + ": config and data are valid");
          continue;
        }
        new TrainingRun(lc, System.err).run();
      } catch (ConfigException | DataException | TrainerException e) {
        System.err.println("error: " + e.getMessage());
        return 2;
      }
    }
    return 0;
  }
}
