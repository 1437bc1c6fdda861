package dev.cerberus.client.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cerberus.proto.v1.HeadPrediction;
import dev.cerberus.proto.v1.ItemErrorCode;
import dev.cerberus.proto.v1.ItemResult;
import dev.cerberus.proto.v1.LabelProbability;
import dev.cerberus.proto.v1.Prediction;
import dev.cerberus.proto.v1.Reason;
import dev.cerberus.proto.v1.ScoreComponent;
import java.util.List;
import java.util.Locale;
import io.grpc.Status;

/** One result as one JSON line (the CLI's output format). */
final class ResultJson {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private ResultJson() {}

  static String line(ItemResult result) {
    return toJson(result).toString();
  }

  static ObjectNode toJson(ItemResult result) {
    if (result.hasError()) {
      return error(result.getId(), codeName(result.getError().getCode()),
          result.getError().getMessage());
    }
    if (!result.hasPrediction()) {
      return error(result.getId(), "INTERNAL",
          "the server sent a result with neither a prediction nor an error");
    }
    Prediction p = result.getPrediction();
    ObjectNode o = MAPPER.createObjectNode();
    o.put("id", result.getId());
    o.put("decision", p.getDecision());
    o.put("unknown", p.getUnknown());
    o.put("ood_score", p.getOodScore());
    if (p.getReason() != Reason.REASON_UNSPECIFIED) o.put("reason", reasonName(p.getReason()));
    if (p.hasGate()) {
      ObjectNode gate = o.putObject("gate");
      gate.put("head", p.getGate().getHead());
      gate.put("score", p.getGate().getScore());
      gate.put("threshold", p.getGate().getThreshold());
    }
    putComponents(o, "ood_components", p.getOodComponentsList());
    boolean perHead = p.getAcceptedHeadsCount() > 0;
    ObjectNode heads = o.putObject("heads");
    for (HeadPrediction h : p.getHeadsList()) {
      ObjectNode head = heads.putObject(h.getHead());
      head.put("label", h.getLabel());
      ObjectNode probabilities = head.putObject("probabilities");
      for (LabelProbability lp : h.getProbabilitiesList()) {
        probabilities.put(lp.getLabel(), lp.getProbability());
      }
      if (h.hasOwnUnknown()) {
        // the head's own unknown policy: did this task recognise the item at all?
        head.put("unknown", h.getOwnUnknown().getUnknown());
        head.put("ood_score", h.getOwnUnknown().getOodScore());
        head.put("threshold", h.getOwnUnknown().getThreshold());
        putComponents(head, "ood_components", h.getOwnUnknown().getComponentsList());
        perHead = true;
      }
      if (h.getReason() != Reason.REASON_UNSPECIFIED) head.put("reason", reasonName(h.getReason()));
    }
    if (perHead) {
      // shown only for models whose heads carry their own policies; empty = none of these
      var accepted = o.putArray("accepted_heads");
      p.getAcceptedHeadsList().forEach(accepted::add);
    }
    return o;
  }

  /** "gate", "threshold" or "class": the wire enum without its prefix (an older server sends none). */
  static String reasonName(Reason r) {
    return r == Reason.UNRECOGNIZED
        ? "unrecognized"
        : r.name().substring("REASON_".length()).toLowerCase(Locale.ROOT);
  }

  /** A fusion's members as {name: score}; nothing for other methods. */
  private static void putComponents(ObjectNode o, String field, List<ScoreComponent> parts) {
    if (parts.isEmpty()) return;
    ObjectNode c = o.putObject(field);
    for (ScoreComponent s : parts) c.put(s.getName(), s.getScore());
  }

  static ObjectNode error(String id, String code, String message) {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("id", id);
    ObjectNode e = o.putObject("error");
    e.put("code", code);
    e.put("message", message);
    return o;
  }

  /** The gRPC name of an item error code (the enum is numerically equal to gRPC's codes). */
  static String codeName(ItemErrorCode code) {
    if (code == ItemErrorCode.UNRECOGNIZED || code == ItemErrorCode.ITEM_ERROR_CODE_UNSPECIFIED) {
      return "UNKNOWN";
    }
    return Status.fromCodeValue(code.getNumber()).getCode().name();
  }
}
