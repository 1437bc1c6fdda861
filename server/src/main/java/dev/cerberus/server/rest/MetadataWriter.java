package dev.cerberus.server.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cerberus.proto.oip.ModelMetadataResponse;
import dev.cerberus.proto.oip.ModelMetadataResponse.TensorMetadata;
import java.util.List;

/**
 * {@code $metadata_server_response}, {@code $metadata_model_response} and
 * {@code $inference_error_response} of the KServe v2 spec, as JSON bytes.
 */
final class MetadataWriter {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** Extensions named in server metadata: Triton's name for the binary data extension. */
  static final List<String> EXTENSIONS = List.of("binary_tensor_data");

  private MetadataWriter() {}

  static byte[] server(String name, String version) {
    ObjectNode root = NODES.objectNode();
    root.put("name", name);
    root.put("version", version);
    ArrayNode ext = root.putArray("extensions");
    EXTENSIONS.forEach(ext::add);
    return bytes(root);
  }

  static byte[] model(ModelMetadataResponse m) {
    ObjectNode root = NODES.objectNode();
    root.put("name", m.getName());
    ArrayNode versions = root.putArray("versions");
    m.getVersionsList().forEach(versions::add);
    root.put("platform", m.getPlatform());
    tensors(root.putArray("inputs"), m.getInputsList());
    tensors(root.putArray("outputs"), m.getOutputsList());
    return bytes(root);
  }

  static byte[] error(String message) {
    return bytes(NODES.objectNode().put("error", message));
  }

  private static void tensors(ArrayNode out, List<TensorMetadata> tensors) {
    for (TensorMetadata t : tensors) {
      ObjectNode o = out.addObject();
      o.put("name", t.getName());
      o.put("datatype", t.getDatatype());
      ArrayNode shape = o.putArray("shape");
      t.getShapeList().forEach(shape::add);
    }
  }

  private static byte[] bytes(ObjectNode node) {
    try {
      return InferRequestReader.JSON.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a JSON tree: " + e.getMessage(), e);
    }
  }
}
