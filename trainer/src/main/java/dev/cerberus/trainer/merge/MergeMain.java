package dev.cerberus.trainer.merge;

import dev.cerberus.model.bundle.Bundle;
import dev.cerberus.model.bundle.BundleException;
import dev.cerberus.model.bundle.BundleMerger;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cerberus merge --output DIR BUNDLE...}: one multi-head bundle from separately trained
 * bundles that share a trunk (docs/bundle.md, "Merged bundles"). A pure file operation: no
 * engine is loaded. Bad input exits 2 with one {@code error: ...} line.
 */
@Command(name = "cerberus merge", mixinStandardHelpOptions = true,
    description = "Merge bundles that share a trunk (same sha256) into one multi-head bundle whose"
        + " heads answer exactly as in their sources; each source's unknown policy becomes its"
        + " decision head's own policy.")
public final class MergeMain implements Callable<Integer> {

  @Parameters(arity = "2..*", paramLabel = "BUNDLE", description = "Source bundle folders")
  List<Path> bundles;

  @Option(names = "--output", required = true, paramLabel = "DIR",
      description = "The merged bundle folder (e.g. models/<name>/<version>); must not exist")
  Path output;

  @Option(names = "--force", description = "Replace an existing output folder")
  boolean force;

  @Option(names = "--name", description = "Manifest name (default: the output's parent folder"
      + " name, as in models/<name>/<version>)")
  String name;

  @Option(names = "--version", description = "Manifest version (default: the output folder name)")
  String version;

  private final PrintStream err;

  public MergeMain() {
    this(System.err);
  }

  MergeMain(PrintStream err) {
    this.err = err;
  }

  public static void main(String[] args) {
    System.exit(run(args, System.err));
  }

  /** Runs the command; the exit status: 0 merged, 2 bad input. */
  static int run(String[] args, PrintStream err) {
    CommandLine cli = new CommandLine(new MergeMain(err));
    cli.setErr(new java.io.PrintWriter(err, true));
    return cli.execute(args);
  }

  @Override
  public Integer call() {
    Path out = output.toAbsolutePath().normalize();
    String n = name != null ? name
        : out.getParent() != null && out.getParent().getFileName() != null
            ? out.getParent().getFileName().toString() : "merged";
    String v = version != null ? version : out.getFileName().toString();
    try {
      Bundle b = BundleMerger.merge(bundles, out, new BundleMerger.Options(n, v, force));
      err.println("merged " + bundles.size() + " bundles (" + b.manifest().heads().size()
          + " heads) into " + b.dir());
      return 0;
    } catch (BundleException | IOException e) {
      err.println("error: " + oneLine(e.getMessage()));
      return 2;
    }
  }

  private static String oneLine(String message) {
    return message == null ? "merge failed" : message.replace('\n', ' ');
  }
}
