package dev.cerberus.client.cli;

import dev.cerberus.client.CerberusClient;
import dev.cerberus.proto.oip.RepositoryIndexResponse.ModelIndex;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cerberus models load|unload|index}: the server's repository RPCs (OIP v2 / Triton
 * RepositoryModelLoad, RepositoryModelUnload, RepositoryIndex), client side. They need the
 * token ({@code --token} or $CERBERUS_TOKEN) when the server has one.
 */
final class ModelsAdminCommands {

  private ModelsAdminCommands() {}

  @Command(name = "load", mixinStandardHelpOptions = true,
      description = "Loads a model's version folders (or one, with --version) from the server's"
          + " repository; a folder that fails validation is reported and the versions already"
          + " loaded keep serving.")
  static final class Load implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @Mixin ConnectionOptions connection;
    @Parameters(index = "0", paramLabel = "NAME", description = "Model name (its folder).")
    String name;
    @Option(names = "--version", paramLabel = "V", description = "Only this version folder.")
    String version;

    @Override
    public Integer call() {
      try (CerberusClient client = connection.connect()) {
        client.loadModel(name, version);
        spec.commandLine().getOut().println("loaded " + name
            + (version == null ? "" : " version " + version));
      }
      return 0;
    }
  }

  @Command(name = "unload", mixinStandardHelpOptions = true,
      description = "Unloads a model (or one version, with --version): returns once the work"
          + " the server had accepted for it is answered. It stays unloaded until"
          + " 'models load' (or a server restart).")
  static final class Unload implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @Mixin ConnectionOptions connection;
    @Parameters(index = "0", paramLabel = "NAME", description = "Model name.")
    String name;
    @Option(names = "--version", paramLabel = "V", description = "Only this version.")
    String version;

    @Override
    public Integer call() {
      try (CerberusClient client = connection.connect()) {
        client.unloadModel(name, version);
        spec.commandLine().getOut().println("unloaded " + name
            + (version == null ? "" : " version " + version));
      }
      return 0;
    }
  }

  @Command(name = "index", mixinStandardHelpOptions = true,
      description = "Every version folder of the server's repository: NAME VERSION STATE"
          + " [REASON], tab-separated.")
  static final class Index implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @Mixin ConnectionOptions connection;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (CerberusClient client = connection.connect()) {
        for (ModelIndex m : client.repositoryIndex().getModelsList()) {
          out.println(m.getName() + "\t" + m.getVersion() + "\t" + m.getState()
              + (m.getReason().isEmpty() ? "" : "\t" + m.getReason()));
        }
      }
      return 0;
    }
  }
}
