"""Channel set-up: plaintext or TLS (server CA, optional client certificate for mutual TLS),
bearer token, message size limits and retries of UNAVAILABLE calls."""
import json
import os
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple, Union

import grpc

PathLike = Union[str, "os.PathLike[str]"]

# Services whose calls are retried on UNAVAILABLE (all of them are idempotent reads/inference).
_RETRIED_SERVICES = ("cerberus.v1.Classifier", "inference.GRPCInferenceService", "grpc.health.v1.Health")


@dataclass(frozen=True)
class RetryPolicy:
    """gRPC's own retry (service config): only UNAVAILABLE, jittered exponential back-off.
    max_attempts=1 turns retries off."""
    max_attempts: int = 4
    initial_backoff_s: float = 0.1
    max_backoff_s: float = 5.0
    multiplier: float = 2.0

    def service_config(self) -> str:
        if self.max_attempts <= 1:
            return json.dumps({"methodConfig": []})
        return json.dumps({"methodConfig": [{
            "name": [{"service": s} for s in _RETRIED_SERVICES],
            "retryPolicy": {
                "maxAttempts": min(self.max_attempts, 5),  # gRPC caps attempts at 5
                "initialBackoff": f"{self.initial_backoff_s}s",
                "maxBackoff": f"{self.max_backoff_s}s",
                "backoffMultiplier": self.multiplier,
                "retryableStatusCodes": ["UNAVAILABLE"],
            }}]})


@dataclass(frozen=True)
class TlsOptions:
    """TLS: `ca_file` the PEM CA that signed the server's certificate (None: the system roots);
    `cert_file` + `key_file` a client certificate for mutual TLS; `server_name` overrides the
    name checked against the certificate (a server reached by IP with a DNS-name certificate)."""
    ca_file: Optional[PathLike] = None
    cert_file: Optional[PathLike] = None
    key_file: Optional[PathLike] = None
    server_name: Optional[str] = None

    def credentials(self) -> grpc.ChannelCredentials:
        def read(path):
            if path is None:
                return None
            try:
                with open(path, "rb") as f:
                    return f.read()
            except OSError as e:
                raise ValueError(f"cannot read TLS file {path}: {e.strerror}") from None
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("mutual TLS needs both cert_file and key_file")
        return grpc.ssl_channel_credentials(read(self.ca_file), read(self.key_file), read(self.cert_file))


def open_channel(target: str, tls: Optional[TlsOptions], retry: RetryPolicy,
                 max_message_bytes: int) -> grpc.Channel:
    options = [("grpc.max_receive_message_length", max_message_bytes),
               ("grpc.max_send_message_length", max_message_bytes),
               ("grpc.enable_retries", 1 if retry.max_attempts > 1 else 0),
               ("grpc.service_config", retry.service_config())]
    if tls is None:
        return grpc.insecure_channel(target, options=options)
    if tls.server_name:
        options.append(("grpc.ssl_target_name_override", tls.server_name))
    return grpc.secure_channel(target, tls.credentials(), options=options)


def token_metadata(token: Optional[str]) -> Tuple[Tuple[str, str], ...]:
    """The `authorization: Bearer <token>` header, sent per call (also over plaintext, for a
    server on loopback; gRPC's call credentials would refuse an insecure channel)."""
    if not token:
        return ()
    if any(c in token for c in "\r\n"):
        raise ValueError("token must be one line")
    return (("authorization", f"Bearer {token}"),)


def as_tls(tls) -> Optional[TlsOptions]:
    """connect()'s `tls` argument: None/False plaintext, True system roots, a path a CA file,
    or a TlsOptions."""
    if tls is None or tls is False:
        return None
    if tls is True:
        return TlsOptions()
    if isinstance(tls, TlsOptions):
        return tls
    if isinstance(tls, (str, os.PathLike)):
        return TlsOptions(ca_file=tls)
    raise TypeError(f"tls must be None, True, a CA file path or TlsOptions, not {type(tls).__name__}")


__all__: Sequence[str] = ["RetryPolicy", "TlsOptions", "open_channel", "token_metadata", "as_tls"]
