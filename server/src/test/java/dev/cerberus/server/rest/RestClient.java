package dev.cerberus.server.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/** A java.net.http client for the REST front-end in tests: requests as curl would send them. */
public final class RestClient {

  public static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http;
  private final String base;
  private final Optional<String> authorization;

  public RestClient(String scheme, int port, SSLContext ssl, String authorization) {
    HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(60)); // TLS handshakes on a loaded 2-core box
    if (ssl != null) b.sslContext(ssl);
    this.http = b.build();
    this.base = scheme + "://127.0.0.1:" + port;
    this.authorization = Optional.ofNullable(authorization);
  }

  public RestClient(int port) {
    this("http", port, null, null);
  }

  /** An answer: status, headers we look at, body. */
  public record Reply(int status, byte[] body, Optional<String> contentType,
      Optional<String> headerLength) {

    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    /** The JSON part of the body (all of it unless Inference-Header-Content-Length says). */
    public JsonNode json() throws IOException {
      int n = headerLength.map(Integer::parseInt).orElse(body.length);
      return JSON.readTree(body, 0, n);
    }

    /** The binary data after the JSON. */
    public byte[] binary() {
      int n = headerLength.map(Integer::parseInt).orElseThrow();
      return Arrays.copyOfRange(body, n, body.length);
    }

    public String error() throws IOException {
      return json().get("error").asText();
    }
  }

  public Reply get(String path) throws Exception {
    return send(request(path).GET(), path);
  }

  public Reply post(String path, String json) throws Exception {
    return send(request(path).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)), path);
  }

  /** A body of JSON followed by binary tensor data (Triton's binary data extension). */
  public Reply postBinary(String path, String json, byte[] binary) throws Exception {
    byte[] head = json.getBytes(StandardCharsets.UTF_8);
    byte[] body = Arrays.copyOf(head, head.length + binary.length);
    System.arraycopy(binary, 0, body, head.length, binary.length);
    return send(request(path).header("Content-Type", "application/octet-stream")
        .header("Inference-Header-Content-Length", String.valueOf(head.length))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)), path);
  }

  public Reply send(HttpRequest.Builder request, String path) throws Exception {
    HttpResponse<byte[]> r = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    return new Reply(r.statusCode(), r.body(), r.headers().firstValue("Content-Type"),
        r.headers().firstValue("Inference-Header-Content-Length"));
  }

  public HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
        .timeout(Duration.ofSeconds(60));
    authorization.ifPresent(a -> b.header("Authorization", a));
    return b;
  }

  /** Little-endian float32 values, the binary layout of FP32. */
  public static byte[] fp32(float... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) b.putFloat(v);
    return b.array();
  }

  public static float[] floats(byte[] raw) {
    float[] out = new float[raw.length / 4];
    ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }

  /** BYTES elements in the binary layout: each with its 4-byte little-endian length first. */
  public static byte[] bytesElements(byte[]... elements) {
    int size = 0;
    for (byte[] e : elements) size += 4 + e.length;
    ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    for (byte[] e : elements) b.putInt(e.length).put(e);
    return b.array();
  }
}
