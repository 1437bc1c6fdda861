package dev.cerberus.client.cli;

import dev.cerberus.client.CerberusException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code cerberus classify | health | models}: the command-line client. */
@Command(
    name = "cerberus",
    mixinStandardHelpOptions = true,
    versionProvider = CerberusCli.Version.class,
    description = "Command-line client of a Cerberus server (cerberus.v1 gRPC).",
    subcommands = {ClassifyCommand.class, HealthCommand.class, ModelsCommand.class},
    footer = {"", "Exit codes: 0 ok, 1 call failed or not serving, 2 bad usage,"
        + " 3 some items had errors."})
public final class CerberusCli implements Runnable {
  /** Exit code when the call as a whole failed (or a health check is not SERVING). */
  public static final int EXIT_FAILED = 1;
  /** Exit code when every call succeeded but some items carry an error. */
  public static final int EXIT_ITEM_ERRORS = 3;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
  }

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(
        new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), false);
    PrintWriter err = new PrintWriter(
        new java.io.OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
    int code = run(out, err, args);
    out.flush();
    err.flush();
    System.exit(code);
  }

  /** Runs the CLI with the given streams; returns the exit code. */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cli = new CommandLine(new CerberusCli());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      out.flush();
      commandLine.getErr().println("error: " + describe(e));
      commandLine.getErr().flush();
      return EXIT_FAILED;
    });
    try {
      return cli.execute(args);
    } finally {
      out.flush();
      err.flush();
    }
  }

  /** A one-line explanation, never a stack trace. */
  static String describe(Throwable e) {
    if (e instanceof CerberusException ce) {
      return ce.getMessage();
    }
    if (e instanceof UncheckedIOException u && u.getCause() != null) {
      return u.getMessage();
    }
    String message = e.getMessage();
    if (message == null || message.isBlank()) {
      message = e.getClass().getSimpleName();
    }
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file: " + message;
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied: " + message;
    }
    return message;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = CerberusCli.class.getPackage().getImplementationVersion();
      return new String[] {"cerberus client " + (v == null ? "(development build)" : v)};
    }
  }
}
