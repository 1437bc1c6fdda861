package dev.cerberus.server.rest;

/**
 * A response body: JSON, or JSON followed by binary tensor data.
 *
 * @param bytes the whole body
 * @param jsonLength the JSON's length when binary data follows (sent as
 *     Inference-Header-Content-Length), -1 when the body is all JSON
 */
record RestBody(byte[] bytes, int jsonLength) {

  static RestBody json(byte[] bytes) {
    return new RestBody(bytes, -1);
  }

  /** Health answers carry no body (the spec: "The HTTP response body should be empty"). */
  static RestBody empty() {
    return new RestBody(new byte[0], -1);
  }
}
