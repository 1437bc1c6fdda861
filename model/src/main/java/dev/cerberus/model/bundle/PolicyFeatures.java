package dev.cerberus.model.bundle;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.io.IOException;

/**
 * {@code heads[].unknown.features}: which features a head's own feature policy
 * ({@code mahalanobis}, {@code knn}, a fusion with them) scores (docs/bundle.md "heads[]").
 * Absent means {@link Own}. A merged bundle needs the other two: a source's top-level policy
 * was fitted on its shared top's output, which is the merged bundle's shared top
 * ({@link Shared}) or another file the merge copies ({@link TopFile}).
 *
 * <p>JSON: {@code "own"}, {@code "shared"} or {@code {"top": "tops/<sha256 prefix>.pt"}}. A file
 * is an object, not a bare string, so no file name can be mistaken for a keyword.
 */
@JsonSerialize(using = PolicyFeatures.Writer.class)
@JsonDeserialize(using = PolicyFeatures.Reader.class)
public sealed interface PolicyFeatures {

  /** The head's own features: its {@code top} output, else the shared features. */
  record Own() implements PolicyFeatures {}

  /** The bundle's shared features ({@code backbone.split.top}, or the whole backbone). */
  record Shared() implements PolicyFeatures {}

  /** The output of this top file (split backbones): {@code file(trunk(x))}, pooled. */
  record TopFile(String file) implements PolicyFeatures {}

  PolicyFeatures OWN = new Own();
  PolicyFeatures SHARED = new Shared();

  /** How the manifest and error messages spell it. */
  default String describe() {
    if (this instanceof TopFile t) return "{\"top\": \"" + t.file() + "\"}";
    return this instanceof Shared ? "shared" : "own";
  }

  /** Writes the JSON form above. */
  final class Writer extends JsonSerializer<PolicyFeatures> {
    @Override
    public void serialize(PolicyFeatures v, JsonGenerator gen, SerializerProvider p)
        throws IOException {
      if (v instanceof TopFile t) {
        gen.writeStartObject();
        gen.writeStringField("top", t.file());
        gen.writeEndObject();
      } else {
        gen.writeString(v.describe());
      }
    }
  }

  /** Reads the JSON form above; anything else is a one-line error naming what is allowed. */
  final class Reader extends JsonDeserializer<PolicyFeatures> {
    private static final String ALLOWED = "allowed: \"own\", \"shared\" or {\"top\": FILE}";

    @Override
    public PolicyFeatures deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
      if (p.currentToken() == JsonToken.VALUE_STRING) {
        String s = p.getText();
        return switch (s) {
          case "own" -> OWN;
          case "shared" -> SHARED;
          default -> throw JsonMappingException.from(p, "'" + s + "' is unknown (" + ALLOWED + ")");
        };
      }
      JsonNode node = p.readValueAsTree();
      JsonNode top = node == null ? null : node.get("top");
      if (node == null || !node.isObject() || node.size() != 1 || top == null || !top.isTextual()) {
        throw JsonMappingException.from(p, node + " is not a feature source (" + ALLOWED + ")");
      }
      return new TopFile(top.asText());
    }
  }
}
