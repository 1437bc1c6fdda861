package dev.cerberus.client;

/**
 * One item's item-level answer read from an OIP v2 response: the {@code decision}, {@code
 * unknown}, {@code ood_score} and {@code reason} outputs (clients/README.md "OIP v2 mapping").
 *
 * @param reason {@code gate}, {@code threshold} or {@code class}; null when the response has no
 *     {@code reason} output (a request that named its outputs without it)
 */
public record OipDecision(String decision, boolean unknown, float oodScore, String reason) {}
