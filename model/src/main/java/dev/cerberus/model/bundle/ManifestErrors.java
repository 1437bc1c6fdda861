package dev.cerberus.model.bundle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import java.util.Collection;
import java.util.Map;

/**
 * Why bundle.json could not be mapped, in the manifest's own words: the field path and the kind
 * of value it needs. Jackson's own message names Java classes
 * ({@code BundleManifest$ImageSpec}), which says nothing to whoever wrote the file (found by
 * BundleFuzzTest).
 */
final class ManifestErrors {

  private static final int MAX_ECHO = 120;

  private ManifestErrors() {}

  static String describe(JsonProcessingException e) {
    if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
      String at = path(m);
      if (m instanceof MismatchedInputException mi && mi.getTargetType() != null) {
        return at + ": needs " + kindOf(mi.getTargetType());
      }
      // the project's own deserializers (PolicyFeatures.Reader) throw a plain
      // JsonMappingException whose words are written for the user: keep them; Jackson's own
      // are subclasses and may name Java classes
      if (m.getClass() == JsonMappingException.class && m.getOriginalMessage() != null) {
        return at + ": " + printable(m.getOriginalMessage());
      }
      return at + ": has a value of the wrong kind or range";
    }
    if (e instanceof JsonMappingException) return "the manifest must be one JSON object";
    // a syntax error: Jackson's words (no class names), with its position
    return printable(e.getOriginalMessage())
        + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr()
            + ", column " + e.getLocation().getColumnNr() + ")");
  }

  /** input.image.mean[2] */
  private static String path(JsonMappingException m) {
    StringBuilder p = new StringBuilder();
    for (JsonMappingException.Reference r : m.getPath()) {
      if (r.getFieldName() != null) {
        if (p.length() > 0) p.append('.');
        p.append(printable(r.getFieldName()));
      } else if (r.getIndex() >= 0) {
        p.append('[').append(r.getIndex()).append(']');
      }
    }
    return p.toString();
  }

  private static String kindOf(Class<?> t) {
    if (t == String.class) return "a string";
    if (t == Boolean.class || t == boolean.class) return "true or false";
    if (t == Integer.class || t == int.class || t == Long.class || t == long.class) return "a whole number";
    if (Number.class.isAssignableFrom(t) || t.isPrimitive()) return "a number";
    if (t.isArray() || Collection.class.isAssignableFrom(t)) return "a list";
    if (Map.class.isAssignableFrom(t)) return "an object of named values";
    return "an object";
  }

  /** Text from the file, safe for a log line: control characters escaped, length capped. */
  static String printable(String s) {
    if (s == null) return "";
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length() && out.length() < MAX_ECHO; i++) {
      char c = s.charAt(i);
      out.append(Character.isISOControl(c) ? String.format("\\x%02x", (int) c) : String.valueOf(c));
    }
    return s.length() > MAX_ECHO ? out + "..." : out.toString();
  }
}
