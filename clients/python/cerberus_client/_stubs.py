"""Loads the generated stubs (made by ../setup.sh into gen/) with a clear error if missing."""
import os
import sys

_GEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen")
if not os.path.isdir(_GEN):
    raise ImportError("generated stubs missing: run clients/python/setup.sh first")
if _GEN not in sys.path:
    # The generated modules import each other as top-level packages (cerberus.v1, inference).
    sys.path.insert(0, _GEN)

from cerberus.v1 import classifier_pb2 as pb  # noqa: E402
from cerberus.v1 import classifier_pb2_grpc as pb_grpc  # noqa: E402
from inference import grpc_service_pb2 as oip_pb  # noqa: E402
from inference import grpc_service_pb2_grpc as oip_grpc  # noqa: E402
from cerberus_health import health_pb2, health_pb2_grpc  # noqa: E402,F401
