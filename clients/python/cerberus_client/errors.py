"""One exception type for every failed call: status code name plus the server's message."""
import grpc


class CerberusError(Exception):
    """A call failed. `code` is the gRPC status name (e.g. "NOT_FOUND"), `message` the reason."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    @classmethod
    def from_rpc(cls, err: grpc.RpcError) -> "CerberusError":
        code = err.code().name if hasattr(err, "code") and err.code() else "UNKNOWN"
        details = err.details() if hasattr(err, "details") else str(err)
        return cls(code, details or "(no message)")
