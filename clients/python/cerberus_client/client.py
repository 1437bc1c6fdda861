"""A small client for Cerberus' own API (cerberus.v1), its health check and OIP v2 ModelInfer."""
import itertools
import queue
import threading
from dataclasses import dataclass
from typing import Iterable, Iterator, List, Optional, Sequence, Union

import grpc

from ._stubs import health_pb2, health_pb2_grpc, oip_grpc, oip_pb, pb, pb_grpc
from .errors import CerberusError
from .results import result_to_dict


@dataclass(frozen=True)
class Item:
    """One input: encoded image bytes (PNG/JPEG) or a text."""
    id: str
    image: Optional[bytes] = None
    text: Optional[str] = None

    def to_pb(self):
        if self.image is not None:
            return pb.Item(id=self.id, image=self.image)
        return pb.Item(id=self.id, text=self.text or "")


class CerberusClient:
    """Blocking client. Every failed call raises CerberusError (status name + message)."""

    def __init__(self, target: str, timeout: float = 60.0, max_message_bytes: int = 64 << 20):
        opts = [("grpc.max_receive_message_length", max_message_bytes),
                ("grpc.max_send_message_length", max_message_bytes)]
        self._channel = grpc.insecure_channel(target, options=opts)
        self._stub = pb_grpc.ClassifierStub(self._channel)
        self._oip = oip_grpc.GRPCInferenceServiceStub(self._channel)
        self._health = health_pb2_grpc.HealthStub(self._channel)
        self.timeout = timeout

    def close(self):
        self._channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def health(self, service: str = "") -> str:
        """grpc.health.v1 Check: "SERVING", "NOT_SERVING", ..."""
        try:
            resp = self._health.Check(health_pb2.HealthCheckRequest(service=service),
                                      timeout=self.timeout)
        except grpc.RpcError as e:
            raise CerberusError.from_rpc(e) from None
        return health_pb2.HealthCheckResponse.ServingStatus.Name(resp.status)

    def list_models(self) -> List[dict]:
        try:
            resp = self._stub.ListModels(pb.ListModelsRequest(), timeout=self.timeout)
        except grpc.RpcError as e:
            raise CerberusError.from_rpc(e) from None
        return [{"name": m.name, "versions": list(m.versions), "input_kind": m.input_kind,
                 "heads": list(m.heads)} for m in resp.models]

    def classify(self, model: str, items: Sequence[Item], version: str = "",
                 heads: Sequence[str] = ()) -> List[dict]:
        """Unary Classify: one dict per item, in order (prediction or per-item error)."""
        req = pb.ClassifyRequest(model=model, version=version, heads=list(heads),
                                 items=[i.to_pb() for i in items])
        try:
            resp = self._stub.Classify(req, timeout=self.timeout)
        except grpc.RpcError as e:
            raise CerberusError.from_rpc(e) from None
        return [result_to_dict(r) for r in resp.results]

    def classify_stream(self, model: str, items: Iterable[Item], version: str = "",
                        heads: Sequence[str] = (), chunk: int = 64,
                        max_in_flight: int = 1024) -> Iterator[dict]:
        """ClassifyStream: yields one dict per item as results arrive (any order).

        At most `max_in_flight` items are sent and unanswered at a time, so a large input
        never piles up in memory on either side.
        """
        window = threading.Semaphore(max_in_flight)
        done = threading.Event()

        def requests():
            it = iter(items)
            first = True
            while not done.is_set():
                batch = list(itertools.islice(it, chunk))
                if not batch:
                    return
                for _ in batch:
                    while not window.acquire(timeout=0.2):
                        if done.is_set():
                            return
                msg = pb.ClassifyStreamRequest(items=[i.to_pb() for i in batch])
                if first:
                    msg.model, msg.version = model, version
                    msg.heads.extend(heads)
                    first = False
                yield msg

        # No overall deadline on a bulk stream: it lasts as long as the input.
        responses = self._stub.ClassifyStream(requests())
        try:
            for resp in responses:
                for r in resp.results:
                    window.release()
                    yield result_to_dict(r)
        except grpc.RpcError as e:
            raise CerberusError.from_rpc(e) from None
        finally:
            done.set()
            responses.cancel()

    def oip_infer_bytes(self, model: str, elements: Sequence[bytes], version: str = "",
                        outputs: Sequence[str] = ()) -> dict:
        """OIP v2 ModelInfer with one BYTES input; returns {output name: list of values}."""
        tensor = oip_pb.ModelInferRequest.InferInputTensor(
            name="input", datatype="BYTES", shape=[len(elements)],
            contents=oip_pb.InferTensorContents(bytes_contents=list(elements)))
        return self._oip_infer(model, version, tensor, outputs)

    def oip_infer_fp32(self, model: str, values: Sequence[float], shape: Sequence[int],
                       version: str = "", outputs: Sequence[str] = ()) -> dict:
        """OIP v2 ModelInfer with one FP32 input of `shape` (first dimension: items)."""
        tensor = oip_pb.ModelInferRequest.InferInputTensor(
            name="input", datatype="FP32", shape=list(shape),
            contents=oip_pb.InferTensorContents(fp32_contents=list(values)))
        return self._oip_infer(model, version, tensor, outputs)

    def _oip_infer(self, model, version, tensor, outputs) -> dict:
        req = oip_pb.ModelInferRequest(
            model_name=model, model_version=version, inputs=[tensor],
            outputs=[oip_pb.ModelInferRequest.InferRequestedOutputTensor(name=o) for o in outputs])
        try:
            resp = self._oip.ModelInfer(req, timeout=self.timeout)
        except grpc.RpcError as e:
            raise CerberusError.from_rpc(e) from None
        return decode_oip_outputs(resp)


def decode_oip_outputs(resp) -> dict:
    """ModelInferResponse -> {name: {"datatype", "shape", "data"}} (typed or raw contents)."""
    import struct
    out = {}
    for i, t in enumerate(resp.outputs):
        if len(resp.raw_output_contents) > i:
            raw = resp.raw_output_contents[i]
            if t.datatype == "FP32":
                data = list(struct.unpack(f"<{len(raw) // 4}f", raw))
            elif t.datatype == "BOOL":
                data = [b != 0 for b in raw]
            else:
                data, pos = [], 0
                while pos < len(raw):
                    (n,) = struct.unpack_from("<I", raw, pos)
                    data.append(raw[pos + 4:pos + 4 + n])
                    pos += 4 + n
        elif t.datatype == "FP32":
            data = list(t.contents.fp32_contents)
        elif t.datatype == "BOOL":
            data = list(t.contents.bool_contents)
        else:
            data = list(t.contents.bytes_contents)
        out[t.name] = {"datatype": t.datatype, "shape": list(t.shape), "data": data}
    return out
