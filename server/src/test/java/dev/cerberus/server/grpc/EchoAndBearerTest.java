package dev.cerberus.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EchoAndBearerTest {

  @Test
  void longClientStringsAreCutAndControlCharactersEscaped() {
    String huge = "m".repeat(9000);
    String echoed = Echo.of(huge);
    assertThat(echoed).hasSizeLessThan(100).startsWith("mmmm").endsWith("... (9000 chars)");
    assertThat(Echo.of("a\nb\u0000")).isEqualTo("a\\u000ab\\u0000");
    assertThat(Echo.of("fashion")).isEqualTo("fashion");
    assertThat(Echo.of(null)).isEmpty();
  }

  @Test
  void bearerSchemeIsCaseInsensitive() {
    assertThat(TokenAuthInterceptor.bearerToken("Bearer s3cret")).isEqualTo("s3cret");
    assertThat(TokenAuthInterceptor.bearerToken("bearer s3cret")).isEqualTo("s3cret");
    assertThat(TokenAuthInterceptor.bearerToken("BEARER  s3cret ")).isEqualTo("s3cret");
    assertThat(TokenAuthInterceptor.bearerToken("Basic czNjcmV0")).isNull();
    assertThat(TokenAuthInterceptor.bearerToken("s3cret")).isNull();
    assertThat(TokenAuthInterceptor.bearerToken(null)).isNull();
  }
}
