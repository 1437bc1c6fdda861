"""Python client for the Cerberus model server (cerberus.v1, grpc.health.v1, OIP v2)."""
from .client import CerberusClient, Item, decode_oip_outputs
from .errors import CerberusError

__all__ = ["CerberusClient", "Item", "CerberusError", "decode_oip_outputs"]
