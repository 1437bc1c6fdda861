"""Python client for the Cerberus model server (cerberus.v1, grpc.health.v1, OIP v2).

    import cerberus_client as cc
    with cc.connect("127.0.0.1:8500", token="...", tls="ca.pem") as c:
        print(c.classify_images("fashion", [open("shoe.png", "rb").read()]))
"""
import sys

try:
    from .client import CerberusClient, Item, connect, decode_oip_outputs
except ImportError as _e:
    # Usually the wrong interpreter: a python3 first on PATH (pyenv, conda, a venv) that lacks
    # grpcio and protobuf (Debian's python3-grpcio and python3-protobuf), or stubs not built.
    _missing = getattr(_e, "name", None) or ""
    _hint = (f"cerberus_client needs grpcio and protobuf, which {sys.executable} cannot import"
             f" ({_missing}): install Debian's python3-grpcio and python3-protobuf (clients/python/"
             f"setup.sh does) and use /usr/bin/python3, or a venv made with --system-site-packages"
             if _missing.split(".")[0] in ("grpc", "google") else str(_e))
    if sys.argv[:1] == ["-m"] or sys.argv[0].endswith("cerberus-client"):  # the CLI: one line
        sys.exit("error: " + _hint)
    raise ImportError(_hint) from _e
from . import oip
from .connection import RetryPolicy, TlsOptions
from .errors import CerberusError
from .results import HeadResult, Result

__all__ = ["connect", "CerberusClient", "Item", "CerberusError", "RetryPolicy", "TlsOptions",
           "Result", "HeadResult", "oip", "decode_oip_outputs"]
