"""Python client for the Cerberus model server (cerberus.v1, grpc.health.v1, OIP v2)."""
import sys

try:
    from .client import CerberusClient, Item, decode_oip_outputs
except ImportError as _e:
    # Usually the wrong interpreter: a python3 first on PATH (pyenv, conda, a venv) that lacks
    # Debian's python3-grpcio and python3-protobuf, or stubs not generated yet.
    _missing = getattr(_e, "name", None) or ""
    _hint = (f"cerberus_client needs grpcio and protobuf, which {sys.executable} cannot import"
             f" ({_missing}): run clients/python/setup.sh (it installs Debian's python3-grpcio"
             f" and python3-protobuf), then use /usr/bin/python3"
             if _missing.split(".")[0] in ("grpc", "google") else str(_e))
    if sys.argv[:1] == ["-m"]:  # being imported for `python3 -m cerberus_client`: one line
        sys.exit("error: " + _hint)
    raise ImportError(_hint) from _e
from .errors import CerberusError

__all__ = ["CerberusClient", "Item", "CerberusError", "decode_oip_outputs"]
