package dev.cerberus.server.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Requires {@code authorization: Bearer <token>} on every call (cerberus.auth.token), except
 * grpc.health.v1 so that load balancers and orchestrators can probe without the secret.
 */
public final class TokenAuthInterceptor implements ServerInterceptor {

  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private static final String SCHEME = "bearer";

  private final byte[] expected;

  public TokenAuthInterceptor(String token) {
    this.expected = token.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The token of an {@code authorization} value, or null when the value is not the Bearer
   * scheme. The scheme name is case-insensitive (RFC 7235 section 2.1), so {@code bearer x}
   * and {@code BEARER x} are the same credentials as {@code Bearer x}.
   */
  public static String bearerToken(String authorization) {
    if (authorization == null) {
      return null;
    }
    String v = authorization.strip();
    int space = v.indexOf(' ');
    if (space < 0 || !v.substring(0, space).equalsIgnoreCase(SCHEME)) {
      return null;
    }
    return v.substring(space + 1).strip();
  }

  /**
   * Whether an {@code authorization} value carries this token; the /metrics endpoint asks the
   * same question, so both transports accept exactly the same credentials.
   */
  public boolean accepts(String authorization) {
    String token = bearerToken(authorization);
    // constant-time comparison: the time taken must not reveal how much of the token matched
    return token != null
        && MessageDigest.isEqual(expected, token.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (HealthGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())) {
      return next.startCall(call, headers);
    }
    String presented = headers.get(AUTHORIZATION);
    if (!accepts(presented)) {
      String token = bearerToken(presented);
      call.close(Status.UNAUTHENTICATED.withDescription(presented == null
              ? "this server requires 'authorization: Bearer <token>' metadata"
              : token == null
                  ? "the authorization metadata must be 'Bearer <token>' (scheme Bearer, any case)"
                  : "the bearer token is not valid"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }
}
