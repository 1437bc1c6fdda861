"""The generated stubs (built into _gen/ by setup.py or setup.sh) with a clear error if missing."""
try:
    from ._gen.cerberus.v1 import classifier_pb2 as pb  # noqa: F401
    from ._gen.cerberus.v1 import classifier_pb2_grpc as pb_grpc  # noqa: F401
    from ._gen.inference import grpc_service_pb2 as oip_pb  # noqa: F401
    from ._gen.inference import grpc_service_pb2_grpc as oip_grpc  # noqa: F401
    from ._gen.cerberus_health import health_pb2, health_pb2_grpc  # noqa: F401
except ModuleNotFoundError as e:
    if not (e.name or "").startswith("cerberus_client._gen"):
        raise
    raise ImportError("cerberus_client's generated stubs are missing: install the package "
                      "(pip install clients/python) or run clients/python/setup.sh") from None
