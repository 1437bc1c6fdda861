package dev.cerberus.client.cli;

import dev.cerberus.client.CerberusClient;
import dev.cerberus.client.CerberusException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cerberus health}: grpc.health.v1 Check; exit 0 only when SERVING. */
@Command(name = "health", mixinStandardHelpOptions = true,
    description = "Prints the server's health status (grpc.health.v1); exits 0 only when SERVING.")
final class HealthCommand implements Callable<Integer> {
  /** Pause between checks while waiting. */
  static final long POLL_MILLIS = 250;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ConnectionOptions connection;

  @Option(names = "--service", paramLabel = "NAME", defaultValue = "",
      description = "Service to check, e.g. cerberus.v1.Classifier. Default: the whole server.")
  String service;

  @Option(names = "--wait-s", paramLabel = "N", defaultValue = "0",
      description = "Keep checking up to N seconds until SERVING (e.g. while the server starts)."
          + " Default: ${DEFAULT-VALUE} (check once).")
  int waitSeconds;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    long until = System.nanoTime() + waitSeconds * 1_000_000_000L;
    try (CerberusClient client = connection.connect()) {
      while (true) {
        ServingStatus status;
        try {
          status = client.health(service);
        } catch (CerberusException e) {
          if (System.nanoTime() >= until) {
            throw e;
          }
          Thread.sleep(POLL_MILLIS);
          continue;
        }
        if (status == ServingStatus.SERVING || System.nanoTime() >= until) {
          out.println(status.name());
          return status == ServingStatus.SERVING ? 0 : CerberusCli.EXIT_FAILED;
        }
        Thread.sleep(POLL_MILLIS);
      }
    }
  }
}
