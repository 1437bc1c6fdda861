package dev.cerberus.server.rest;

import dev.cerberus.server.grpc.Echo;
import io.grpc.Status;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;

/**
 * The endpoints of the KServe v2 REST protocol (kserve docs/predict-api/v2/required_api.md):
 * which one a method and path name, with the model and version taken from the path.
 */
sealed interface RestRoute {

  /** The name counted in the {@code method} label of cerberus_requests. */
  String operation();

  /** The one HTTP method the endpoint answers. */
  HttpMethod method();

  /** Health is open like grpc.health.v1, so probes need no secret; the rest needs the token. */
  default boolean needsToken() {
    return true;
  }

  record ServerLive() implements RestRoute {
    public String operation() { return "rest:ServerLive"; }
    public HttpMethod method() { return HttpMethod.GET; }
    @Override public boolean needsToken() { return false; }
  }

  record ServerReady() implements RestRoute {
    public String operation() { return "rest:ServerReady"; }
    public HttpMethod method() { return HttpMethod.GET; }
    @Override public boolean needsToken() { return false; }
  }

  record ServerMetadata() implements RestRoute {
    public String operation() { return "rest:ServerMetadata"; }
    public HttpMethod method() { return HttpMethod.GET; }
  }

  /** @param version "" = the newest loaded version */
  record ModelMetadata(String model, String version) implements RestRoute {
    public String operation() { return "rest:ModelMetadata"; }
    public HttpMethod method() { return HttpMethod.GET; }
  }

  record ModelReady(String model, String version) implements RestRoute {
    public String operation() { return "rest:ModelReady"; }
    public HttpMethod method() { return HttpMethod.GET; }
  }

  record ModelInfer(String model, String version) implements RestRoute {
    public String operation() { return "rest:ModelInfer"; }
    public HttpMethod method() { return HttpMethod.POST; }
  }

  /** The operation label of requests that name no endpoint. */
  String UNKNOWN_OPERATION = "rest:unknown";

  /** The route of a request URI (query ignored); 404 naming the endpoints when there is none. */
  static RestRoute parse(String uri) {
    String path = new QueryStringDecoder(uri).rawPath();
    List<String> s = List.of(path.replaceAll("^/+|/+$", "").split("/+"));
    if (s.isEmpty() || !s.get(0).equals("v2")) {
      throw notFound(path);
    }
    if (s.size() == 1) {
      return new ServerMetadata();
    }
    if (s.size() == 3 && s.get(1).equals("health")) {
      switch (s.get(2)) {
        case "live" -> { return new ServerLive(); }
        case "ready" -> { return new ServerReady(); }
        default -> throw notFound(path);
      }
    }
    if (!s.get(1).equals("models") || s.size() < 3) {
      throw notFound(path);
    }
    String model = decode(s.get(2));
    String version = "";
    int rest = 3;
    if (s.size() >= 5 && s.get(3).equals("versions")) {
      version = decode(s.get(4));
      rest = 5;
    }
    if (s.size() == rest) {
      return new ModelMetadata(model, version);
    }
    if (s.size() == rest + 1 && s.get(rest).equals("ready")) {
      return new ModelReady(model, version);
    }
    if (s.size() == rest + 1 && s.get(rest).equals("infer")) {
      return new ModelInfer(model, version);
    }
    throw notFound(path);
  }

  private static String decode(String segment) {
    try {
      // a path keeps '+' literal; decodeComponent follows form encoding, where it is a space
      return QueryStringDecoder.decodeComponent(segment.replace("+", "%2B"));
    } catch (IllegalArgumentException e) {
      throw RestError.badRequest("the path segment '" + Echo.of(segment) + "' is not valid URL encoding");
    }
  }

  private static RestError notFound(String path) {
    return new RestError(HttpResponseStatus.NOT_FOUND, Status.Code.UNIMPLEMENTED,
        "no endpoint " + Echo.of(path) + "; this server answers GET /v2, GET /v2/health/live, GET "
            + "/v2/health/ready, GET /v2/models/{name}[/versions/{version}][/ready] and POST "
            + "/v2/models/{name}[/versions/{version}]/infer");
  }
}
