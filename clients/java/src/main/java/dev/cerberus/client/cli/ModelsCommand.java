package dev.cerberus.client.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.cerberus.client.CerberusClient;
import dev.cerberus.proto.v1.BatchSizeCount;
import dev.cerberus.proto.v1.HeadInfo;
import dev.cerberus.proto.v1.InputSpec;
import dev.cerberus.proto.v1.ModelInfo;
import dev.cerberus.proto.v1.ModelStats;
import dev.cerberus.proto.v1.ModelSummary;
import dev.cerberus.proto.v1.UnknownPolicyInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cerberus models}: ListModels, then GetModel of each model's newest version. */
@Command(name = "models", mixinStandardHelpOptions = true,
    description = "Lists the served models: versions, heads and labels, input, unknown policy,"
        + " counters. 'models load|unload NAME [--version V]' and 'models index' manage the"
        + " server's repository.",
    subcommands = {ModelsAdminCommands.Load.class, ModelsAdminCommands.Unload.class,
        ModelsAdminCommands.Index.class})
final class ModelsCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ConnectionOptions connection;

  @Option(names = "--json", description = "One JSON document {\"models\": [ModelInfo...]}"
      + " (proto3 JSON field names).")
  boolean json;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    try (CerberusClient client = connection.connect()) {
      List<ModelInfo> infos = new ArrayList<>();
      for (ModelSummary summary : client.listModels().getModelsList()) {
        infos.add(client.getModel(summary.getName(), ""));
      }
      if (json) {
        out.println(toJson(infos));
      } else if (infos.isEmpty()) {
        out.println("no models");
      } else {
        infos.forEach(info -> printText(info, out));
      }
    }
    return 0;
  }

  static String toJson(List<ModelInfo> infos) throws InvalidProtocolBufferException {
    JsonFormat.Printer printer = JsonFormat.printer().alwaysPrintFieldsWithNoPresence();
    ObjectNode root = ResultJson.MAPPER.createObjectNode();
    ArrayNode models = root.putArray("models");
    for (ModelInfo info : infos) {
      try {
        models.add(ResultJson.MAPPER.readTree(printer.print(info)));
      } catch (InvalidProtocolBufferException e) {
        throw e;
      } catch (IOException e) {
        throw new IllegalStateException("cannot render model info as JSON", e);
      }
    }
    return root.toString();
  }

  static void printText(ModelInfo m, PrintWriter out) {
    out.println(m.getName() + " " + m.getVersion() + "  (versions: "
        + String.join(", ", m.getVersionsList()) + ")");
    if (!m.getDescription().isEmpty()) {
      out.println("  description: " + m.getDescription());
    }
    out.println("  input: " + input(m.getInput()) + ", features: " + m.getFeatureSize());
    out.println("  heads:");
    for (HeadInfo h : m.getHeadsList()) {
      out.println("    " + h.getName() + " (" + h.getKind()
          + (h.getBaseLabel().isEmpty() ? "" : ", base " + h.getBaseLabel()) + "): "
          + String.join(", ", h.getLabelsList())
          + (h.hasUnknownPolicy() ? "; own unknown: " + policy(h.getUnknownPolicy()) : ""));
    }
    UnknownPolicyInfo u = m.getUnknownPolicy();
    out.println("  unknown: " + u.getMethod() + " on head " + u.getDecisionHead()
        + ", threshold " + u.getThreshold()
        + (u.getCalibratedTpr() > 0 ? ", calibrated TPR " + u.getCalibratedTpr() : ""));
    if (m.hasDecision()) {
      // the steps in the order they decide (docs/bundle.md "decision"); absent from older servers
      out.println("  decision: " + String.join(" -> ", m.getDecision().getOrderList())
          + (m.getDecision().getGateHead().isEmpty() ? "" : "; gate: head "
              + m.getDecision().getGateHead() + ", threshold " + m.getDecision().getGateThreshold()));
    }
    if (!m.getMetricsMap().isEmpty()) {
      StringBuilder metrics = new StringBuilder("  metrics:");
      new TreeMap<>(m.getMetricsMap()).forEach((k, v) -> metrics.append(' ').append(k)
          .append('=').append(String.format("%.4f", v)));
      out.println(metrics);
    }
    ModelStats s = m.getStats();
    StringBuilder batches = new StringBuilder();
    for (BatchSizeCount b : s.getBatchSizesList()) {
      batches.append(batches.length() == 0 ? "" : " ").append(b.getSize()).append('x')
          .append(b.getCount());
    }
    out.println("  stats: forward_passes=" + s.getForwardPasses() + " items=" + s.getItems()
        + " item_errors=" + s.getItemErrors() + " rejected_queue_full="
        + s.getRejectedQueueFull() + " dropped_expired=" + s.getDroppedExpired()
        + " dropped_cancelled=" + s.getDroppedCancelled() + " queue_depth="
        + s.getQueueDepth() + (batches.length() > 0 ? " batch_sizes=" + batches : ""));
  }

  private static String policy(UnknownPolicyInfo u) {
    return u.getMethod() + ", threshold " + u.getThreshold()
        + (u.getCalibratedTpr() > 0 ? ", calibrated TPR " + u.getCalibratedTpr() : "");
  }

  private static String input(InputSpec in) {
    return switch (in.getKind()) {
      case "image" -> "image " + in.getImageWidth() + "x" + in.getImageHeight();
      case "text" -> "text, max " + in.getMaxTokens() + " tokens, " + in.getPooling() + " pooling";
      case "tensor" -> "tensor " + in.getTensorShapeList();
      default -> in.getKind();
    };
  }

}
