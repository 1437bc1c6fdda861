package dev.cerberus.server.rest;

import dev.cerberus.server.grpc.TokenAuthInterceptor;
import dev.cerberus.server.metrics.ServerMetrics;

/**
 * What every connection's handler shares.
 *
 * @param auth the token check, or null when no token is required
 * @param maxBodyBytes the body limit, named in 413 answers
 */
record RestContext(RestEndpoints endpoints, TokenAuthInterceptor auth, ServerMetrics metrics,
    RestDrain drain, int maxBodyBytes) {}
