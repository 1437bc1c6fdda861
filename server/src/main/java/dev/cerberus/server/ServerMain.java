package dev.cerberus.server;

import dev.cerberus.model.engine.MallocTuning;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * {@code cerberus-server serve [--port N] [--host ADDR] [--models DIR] [--config FILE] ...}.
 *
 * <p>The flags of {@code serve} are generated from {@link ServerSettings#CATALOG}, so every
 * setting has exactly one name, one default and one description, shared by --help, the
 * properties file and docs/settings.md. Precedence: defaults, then --config FILE, then flags.
 */
public final class ServerMain {

  /** The subcommand that only loads the engine (see {@link EngineCheck}). */
  static final String ENGINE_CHECK = "engine-check";

  private ServerMain() {}

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Parses and serves; returns the process exit code (2 = bad usage or settings). */
  static int run(String[] args, PrintWriter out, PrintWriter err) {
    ServerSettings settings;
    try {
      settings = parse(args, out);
    } catch (CommandLine.ParameterException e) {
      err.println(e.getMessage());
      e.getCommandLine().usage(err);
      return 2;
    } catch (IllegalArgumentException | IOException e) {
      err.println("invalid settings: " + e.getMessage());
      return 2;
    }
    if (settings == null) {
      return 0; // help or version was printed
    }
    return args.length > 0 && ENGINE_CHECK.equals(args[0]) ? EngineCheck.run(settings, out, err)
        : serve(settings, err);
  }

  /**
   * The settings a command line asks for, or null when it only asked for help.
   *
   * @throws CommandLine.ParameterException unknown flag, missing value or no subcommand
   * @throws IllegalArgumentException a value that is out of range or malformed
   */
  static ServerSettings parse(String[] args, PrintWriter out) throws IOException {
    CommandLine cli = commandLine();
    cli.setOut(out);
    ParseResult parsed = cli.parseArgs(args);
    if (CommandLine.printHelpIfRequested(parsed)) {
      return null;
    }
    ParseResult serve = parsed.subcommand();
    if (serve == null) {
      throw new CommandLine.ParameterException(cli, "missing subcommand: serve or " + ENGINE_CHECK);
    }
    return ServerSettings.from(values(serve));
  }

  static CommandLine commandLine() {
    CommandSpec top = CommandSpec.create().name("cerberus-server").mixinStandardHelpOptions(true);
    top.usageMessage().description("Cerberus model server.");
    top.addSubcommand("serve", new CommandLine(settingsCommand("serve",
        "Serves every bundle under the model repository over gRPC.")));
    top.addSubcommand(ENGINE_CHECK, new CommandLine(settingsCommand(ENGINE_CHECK,
        "Loads libtorch as serve would (same settings and device), runs one small forward and"
            + " exits: 0 when it works, 2 when it does not. Loads no model.")));
    return new CommandLine(top);
  }

  /** A subcommand taking every server setting as a flag, plus --config. */
  private static CommandSpec settingsCommand(String name, String description) {
    CommandSpec serve = CommandSpec.create().name(name).mixinStandardHelpOptions(true);
    serve.usageMessage().description(description);
    serve.addOption(OptionSpec.builder("--config").paramLabel("FILE").type(String.class)
        .description("Java properties file with cerberus.* settings; flags override it.").build());
    for (Setting s : ServerSettings.CATALOG) {
      serve.addOption(OptionSpec.builder(s.flag()).paramLabel(s.label()).type(String.class)
          .description(s.description() + " [" + s.key() + ", default: "
              + (s.defaultValue().isEmpty() ? "unset" : s.defaultValue()) + "]")
          .build());
    }
    return serve;
  }

  /** Settings from the --config file, overridden by the flags given. */
  private static Map<String, String> values(ParseResult serve) throws IOException {
    Map<String, String> values = new LinkedHashMap<>();
    String config = serve.matchedOptionValue("--config", null);
    if (config != null) {
      Properties p = new Properties();
      try (InputStream in = Files.newInputStream(Path.of(config))) {
        p.load(in);
      } catch (IOException e) {
        throw new IOException("cannot read --config " + config + ": " + e.getMessage(), e);
      }
      p.stringPropertyNames().forEach(k -> values.put(k, p.getProperty(k)));
    }
    for (Setting s : ServerSettings.CATALOG) {
      String v = serve.matchedOptionValue(s.flag(), null);
      if (v != null) {
        values.put(s.key(), v);
      }
    }
    return values;
  }

  private static int serve(ServerSettings settings, PrintWriter err) {
    // the usual mistake (serve started from another folder) is caught before anything loads
    if (!settings.allowEmptyModels() && !hasBundleFiles(settings.modelsDir())) {
      err.println(noModels(settings, 0));
      return 1;
    }
    configureEngine(settings);
    String deviceProblem = deviceProblem(settings.device());
    if (deviceProblem != null) {
      err.println("cannot start: " + deviceProblem);
      return 2;
    }
    CerberusServer server;
    try {
      server = CerberusServer.start(settings);
    } catch (IOException | RuntimeException e) {
      err.println("cannot start: " + e.getMessage());
      return 1;
    }
    if (server.repository().all().isEmpty() && !settings.allowEmptyModels()) {
      server.shutdown();
      err.println(noModels(settings, server.repository().failures().size()));
      return 1;
    }
    // SIGTERM and SIGINT run shutdown hooks: drain, then exit
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdown, "cerberus-shutdown"));
    org.slf4j.LoggerFactory.getLogger(ServerMain.class).info(
        "Cerberus listening on {}:{} with models: {}{}; {}", settings.host(), server.port(),
        server.repository().describe(),
        (server.metricsPort() >= 0 ? " (metrics on port " + server.metricsPort() + ")" : "")
            + (server.restPort() >= 0 ? " (REST on port " + server.restPort() + ")" : ""),
        engineLine(settings));
    try {
      server.awaitTermination();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  /**
   * Why a server with nothing to serve does not start: a newcomer running serve from another
   * folder used to get "listening ... with models: (none)" and a server that answered NOT_FOUND.
   */
  static String noModels(ServerSettings settings, int failedBundles) {
    Path dir = settings.modelsDir().toAbsolutePath().normalize();
    String found = !Files.isDirectory(dir) ? "no such folder"
        : failedBundles > 0 ? failedBundles + " bundle(s) failed to load (see the log above)"
        : "no <name>/<version>/bundle.json in it";
    return "cannot start: no models to serve in " + dir + " (" + found + "); give --models DIR,"
        + " or --allow-empty-models true (cerberus.models.allow-empty) to start without any";
  }

  /** Whether DIR/NAME/VERSION/bundle.json exists for some NAME and VERSION. */
  static boolean hasBundleFiles(Path dir) {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (var found = Files.find(dir, 3, (p, a) -> a.isRegularFile()
        && p.getFileName().toString().equals("bundle.json")
        && dir.relativize(p).getNameCount() == 3, java.nio.file.FileVisitOption.FOLLOW_LINKS)) {
      return found.findAny().isPresent();
    } catch (IOException | java.io.UncheckedIOException e) {
      return true; // unreadable here: let the repository scan report what is wrong
    }
  }

  /** What the forward passes run on, in one line (the engine's own start-up noise is muted). */
  static String engineLine(ServerSettings settings) {
    return "engine: PyTorch (libtorch via DJL) on " + settings.device() + ", "
        + settings.inferenceThreads() + " inference thread(s) per model version x "
        + settings.intraOpThreads() + " intra-op thread(s)";
  }

  /**
   * Engine properties must be set before DJL loads libtorch; an explicit -D on the command line
   * wins. The server never downloads anything at run time.
   */
  static void configureEngine(ServerSettings settings) {
    // DJL's start-up lines (platform found, thread counts) and, when the models run on the CPU,
    // its "Failed to detect GPU count" warning are expected; engineLine says what matters.
    // Set before DJL creates its loggers (slf4j-simple reads the level then); -D wins.
    setIfAbsent("org.slf4j.simpleLogger.log.ai.djl", "warn");
    if ("cpu".equals(settings.device())) {
      setIfAbsent("org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils", "error");
    }
    setIfAbsent("ai.djl.pytorch.num_threads", String.valueOf(settings.intraOpThreads()));
    setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
    setIfAbsent("ai.djl.pytorch.graph_optimizer", String.valueOf(settings.graphOptimizer()));
    setIfAbsent("ai.djl.offline", "true");
    MallocTuning.Outcome malloc =
        MallocTuning.apply(settings.mallocMmapThreshold(), settings.mallocTrimThreshold());
    org.slf4j.LoggerFactory.getLogger(ServerMain.class).info(
        "native buffer reuse (cerberus.engine.malloc-*): {}{}", malloc.applied() ? "" : "not applied: ",
        malloc.detail());
  }

  /**
   * Why the requested device cannot run the models, or null when it can. Checked before any
   * bundle loads: on a CPU-only libtorch, {@code --device gpu} would otherwise fail every bundle
   * and leave a server that is up but serves nothing.
   */
  static String deviceProblem(String device) {
    if (!"gpu".equals(device)) {
      return null;
    }
    ai.djl.engine.Engine engine = ai.djl.engine.Engine.getEngine("PyTorch");
    if (!engine.hasCapability(ai.djl.engine.StandardCapabilities.CUDA)) {
      return "--device gpu (cerberus.engine.device) needs a CUDA build of libtorch, and this "
          + "server has libtorch " + engine.getVersion() + " for CPU only; use --device cpu";
    }
    if (engine.getGpuCount() == 0) {
      return "--device gpu (cerberus.engine.device): libtorch has CUDA but sees no GPU; "
          + "check the driver and CUDA_VISIBLE_DEVICES, or use --device cpu";
    }
    return null;
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
