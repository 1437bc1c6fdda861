package dev.cerberus.client.cli;

import dev.cerberus.client.CerberusClient;
import dev.cerberus.client.ClassifyStream;
import dev.cerberus.client.Items;
import dev.cerberus.client.StreamOptions;
import dev.cerberus.proto.v1.ClassifyRequest;
import dev.cerberus.proto.v1.Item;
import dev.cerberus.proto.v1.ItemResult;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cerberus classify}: files, texts, or a bulk source with resume. */
// no mixinStandardHelpOptions: its --version clashes with the model --version below, and
// picocli then dropped --help too ("Unknown option: '--help'")
@Command(name = "classify",
    description = {"Classifies image files or texts; prints one JSON object per item per line:",
        "  {\"id\",\"decision\",\"unknown\",\"ood_score\",\"heads\":{NAME:{\"label\","
            + "\"probabilities\":{LABEL:p}}}}",
        "or {\"id\",\"error\":{\"code\",\"message\"}}. The id is the file path or the text's"
            + " index.",
        "With --bulk SRC --out FILE.jsonl it streams a folder of images or a JSONL file to"
            + " FILE.jsonl and resumes where an interrupted run stopped."})
final class ClassifyCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ConnectionOptions connection;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  @Option(names = "--model", paramLabel = "NAME",
      description = "Model name. Default: the only model the server serves.")
  String model;

  @Option(names = "--version", paramLabel = "V", description = "Model version. Default: newest.")
  String version = "";

  @Option(names = "--heads", split = ",", paramLabel = "a,b",
      description = "Heads to report. Default: all.")
  List<String> heads = List.of();

  @Option(names = "--text", arity = "1..*", paramLabel = "TEXT", description = "Texts to classify.")
  List<String> texts = List.of();

  @Parameters(paramLabel = "FILE", arity = "0..*", description = "Image files (PNG or JPEG).")
  List<Path> files = List.of();

  @Option(names = "--stream", description = "Use one ClassifyStream call instead of unary calls;"
      + " results are printed as they arrive.")
  boolean stream;

  @Option(names = "--batch", paramLabel = "N", defaultValue = "32",
      description = "Items per request (or per stream message). Default: ${DEFAULT-VALUE}.")
  int batch;

  @Option(names = "--in-flight", paramLabel = "N", defaultValue = "256",
      description = "Streaming: most items sent and not yet answered. Default: ${DEFAULT-VALUE}.")
  int inFlight;

  @Option(names = "--bulk", paramLabel = "SRC",
      description = "A folder (searched recursively for .png/.jpg/.jpeg) or a JSONL file of"
          + " {\"id\":...,\"text\":...} or {\"id\":...,\"image\":\"path\"} lines.")
  Path bulk;

  @Option(names = "--out", paramLabel = "FILE.jsonl",
      description = "Bulk: results file; appended to, and ids already in it are skipped.")
  Path out;

  @Option(names = "--flush-every", paramLabel = "N", defaultValue = "1000",
      description = "Bulk: flush the results file every N results (and at least every second)."
          + " Default: ${DEFAULT-VALUE}.")
  int flushEvery;

  @Option(names = "--no-progress", description = "Bulk: no progress bar on stderr.")
  boolean noProgress;

  @Option(names = "--summary", description = "After image results, print on stderr per true"
      + " label (the file's folder name) how many were decided right: a class the model knows"
      + " should get its label, a class it has not seen should be called unknown.")
  boolean summary;

  @Override
  public Integer call() throws Exception {
    validate();
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter stderr = spec.commandLine().getErr();
    try (CerberusClient client = connection.connect()) {
      String chosen = ModelChoice.resolve(client, model);
      if (bulk != null) {
        BulkRun run = new BulkRun(client, options(chosen), BulkSource.open(bulk), out,
            flushEvery, noProgress ? null : stderr);
        return run.execute(stderr);
      }
      FolderSummary tally = summary ? new FolderSummary(chosen,
          FolderSummary.knownLabels(client.getModel(chosen, version))) : null;
      boolean itemErrors = stream
          ? classifyStreaming(client, chosen, stdout, tally)
          : classifyUnary(client, chosen, stdout, tally);
      stdout.flush();
      if (tally != null) {
        tally.print(stderr);
      }
      return itemErrors ? CerberusCli.EXIT_ITEM_ERRORS : 0;
    }
  }

  private void validate() {
    int sources = (files.isEmpty() ? 0 : 1) + (texts.isEmpty() ? 0 : 1) + (bulk == null ? 0 : 1);
    if (sources != 1) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "give exactly one of: image FILE..., --text TEXT..., --bulk SRC");
    }
    if ((bulk == null) != (out == null)) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--bulk and --out go together: --bulk SRC --out FILE.jsonl");
    }
    if (batch < 1 || inFlight < 1 || flushEvery < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--batch, --in-flight and --flush-every must be at least 1");
    }
  }

  private StreamOptions options(String chosen) {
    return new StreamOptions(chosen, version, heads, inFlight, batch, null);
  }

  /** One input: an item to send, or a local failure to report in its place. */
  private record Slot(Item item, String id, String localError) {}

  private List<Slot> slots() {
    List<Slot> slots = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      slots.add(new Slot(Items.text(Integer.toString(i), texts.get(i)), null, null));
    }
    for (Path file : files) {
      try {
        slots.add(new Slot(Items.image(file), null, null));
      } catch (UncheckedIOException e) {
        slots.add(new Slot(null, file.toString(), e.getMessage()));
      }
    }
    return slots;
  }

  private boolean classifyUnary(
      CerberusClient client, String chosen, PrintWriter stdout, FolderSummary tally) {
    boolean itemErrors = false;
    List<Slot> all = slots();
    for (int start = 0; start < all.size(); start += batch) {
      List<Slot> chunk = all.subList(start, Math.min(all.size(), start + batch));
      ClassifyRequest.Builder request = ClassifyRequest.newBuilder()
          .setModel(chosen).setVersion(version).addAllHeads(heads);
      chunk.stream().filter(s -> s.item() != null).forEach(s -> request.addItems(s.item()));
      List<ItemResult> results = request.getItemsCount() == 0
          ? List.of() : client.classify(request.build()).getResultsList();
      int next = 0;
      for (Slot slot : chunk) {
        if (slot.item() == null) {
          stdout.println(ResultJson.error(slot.id(), "INVALID_ARGUMENT", slot.localError()));
          itemErrors = true;
          continue;
        }
        ItemResult result = results.get(next++);
        stdout.println(ResultJson.line(result));
        itemErrors |= !result.hasPrediction();
        if (tally != null) {
          tally.add(result);
        }
      }
      stdout.flush();
    }
    return itemErrors;
  }

  private boolean classifyStreaming(
      CerberusClient client, String chosen, PrintWriter stdout, FolderSummary tally) {
    AtomicBoolean itemErrors = new AtomicBoolean();
    List<Slot> all = slots();
    try (ClassifyStream s = client.classifyStream(options(chosen), result -> {
      synchronized (stdout) {
        stdout.println(ResultJson.line(result));
      }
      if (!result.hasPrediction()) {
        itemErrors.set(true);
      }
      if (tally != null) {
        tally.add(result);
      }
    })) {
      for (Slot slot : all) {
        if (slot.item() == null) {
          synchronized (stdout) {
            stdout.println(ResultJson.error(slot.id(), "INVALID_ARGUMENT", slot.localError()));
          }
          itemErrors.set(true);
        } else {
          s.send(slot.item());
        }
      }
    }
    return itemErrors.get();
  }

}
