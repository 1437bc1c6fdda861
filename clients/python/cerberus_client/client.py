"""A blocking client for Cerberus' own API (cerberus.v1), its health check and OIP v2."""
import itertools
import threading
from dataclasses import dataclass
from typing import Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import grpc

from . import oip
from ._stubs import health_pb2, health_pb2_grpc, oip_grpc, oip_pb, pb, pb_grpc
from .connection import RetryPolicy, TlsOptions, as_tls, open_channel, token_metadata
from .errors import CerberusError
from .results import Result, result_to_dict


@dataclass(frozen=True)
class Item:
    """One input: encoded image bytes (PNG/JPEG), a text, or a float tensor (shape, values)."""
    id: str
    image: Optional[bytes] = None
    text: Optional[str] = None
    tensor: Optional[Tuple[Sequence[int], Sequence[float]]] = None

    def to_pb(self):
        if self.image is not None:
            return pb.Item(id=self.id, image=self.image)
        if self.tensor is not None:
            shape, values = self.tensor
            return pb.Item(id=self.id, tensor=pb.Tensor(shape=list(shape), values=list(values)))
        return pb.Item(id=self.id, text=self.text or "")


class CerberusClient:
    """Blocking client, safe to share between threads. Every failed call raises CerberusError
    (status name + the server's message). `timeout` (seconds) is every unary call's default
    deadline; each method takes its own `timeout` too."""

    def __init__(self, target: str, timeout: float = 30.0, *, token: Optional[str] = None,
                 tls: Union[None, bool, str, TlsOptions] = None, retry: RetryPolicy = RetryPolicy(),
                 max_message_bytes: int = 64 << 20):
        self._channel = open_channel(target, as_tls(tls), retry, max_message_bytes)
        self._md = token_metadata(token)
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

    def _call(self, method, request, timeout):
        try:
            return method(request, timeout=self.timeout if timeout is None else timeout,
                          metadata=self._md)
        except grpc.RpcError as e:
            raise CerberusError.from_rpc(e) from None

    def health(self, service: str = "", timeout: Optional[float] = None) -> str:
        """grpc.health.v1 Check: "SERVING", "NOT_SERVING", ..."""
        resp = self._call(self._health.Check, health_pb2.HealthCheckRequest(service=service), timeout)
        return health_pb2.HealthCheckResponse.ServingStatus.Name(resp.status)

    def list_models(self, timeout: Optional[float] = None) -> List[dict]:
        resp = self._call(self._stub.ListModels, pb.ListModelsRequest(), timeout)
        return [{"name": m.name, "versions": list(m.versions), "input_kind": m.input_kind,
                 "heads": list(m.heads), "unknown_policy_heads": list(m.unknown_policy_heads)}
                for m in resp.models]

    def classify(self, model: str, items: Sequence[Item], version: str = "",
                 heads: Sequence[str] = (), timeout: Optional[float] = None) -> List[Result]:
        """Unary Classify: one Result per item, in order (prediction or per-item error)."""
        req = pb.ClassifyRequest(model=model, version=version, heads=list(heads),
                                 items=[i.to_pb() for i in items])
        return [result_to_dict(r) for r in self._call(self._stub.Classify, req, timeout).results]

    def classify_images(self, model: str, images: Sequence[bytes], **kw) -> List[Result]:
        """Classify encoded images; ids are "0", "1", ..."""
        return self.classify(model, [Item(id=str(i), image=b) for i, b in enumerate(images)], **kw)

    def classify_texts(self, model: str, texts: Sequence[str], **kw) -> List[Result]:
        """Classify texts; ids are "0", "1", ..."""
        return self.classify(model, [Item(id=str(i), text=t) for i, t in enumerate(texts)], **kw)

    def classify_stream(self, model: str, items: Iterable[Item], version: str = "",
                        heads: Sequence[str] = (), chunk: int = 64, max_in_flight: int = 1024,
                        timeout: Optional[float] = None) -> Iterator[Result]:
        """ClassifyStream: yields one Result per item as results arrive (any order).

        At most `max_in_flight` items are sent and unanswered at a time, so a large input never
        piles up in memory on either side. `timeout` is a deadline for the whole stream (None:
        none, a bulk stream lasts as long as its input); past it the call fails with
        DEADLINE_EXCEEDED.
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

        responses = self._stub.ClassifyStream(requests(), timeout=timeout, metadata=self._md)
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

    # ---- OIP v2 (KServe Open Inference Protocol); request builders are in cerberus_client.oip
    def oip_infer(self, request, timeout: Optional[float] = None) -> dict:
        """ModelInfer with a request from oip.*_request(); returns oip.decode()'s dict."""
        return oip.decode(self._call(self._oip.ModelInfer, request, timeout))

    def oip_infer_bytes(self, model: str, elements: Sequence[Union[bytes, str]], version: str = "",
                        outputs: Sequence[str] = (), timeout: Optional[float] = None) -> dict:
        """ModelInfer with one BYTES input (images or texts); {output: {datatype, shape, data}}."""
        return self.oip_infer(oip.bytes_request(model, elements, version, outputs), timeout)

    def oip_infer_fp32(self, model: str, values: Sequence[float], shape: Sequence[int],
                       version: str = "", outputs: Sequence[str] = (),
                       timeout: Optional[float] = None) -> dict:
        """ModelInfer with one FP32 input of `shape` (first dimension: items)."""
        return self.oip_infer(oip.fp32_request(model, values, shape, version, outputs), timeout)

    def oip_stream_infer(self, requests: Iterable, timeout: Optional[float] = None
                         ) -> Iterator[Tuple[str, Union[dict, CerberusError]]]:
        """ModelStreamInfer: yields (request id, decoded outputs or the CerberusError of that
        request) in completion order; a failed request does not end the stream."""
        responses = self._oip.ModelStreamInfer(iter(requests), timeout=timeout, metadata=self._md)
        try:
            for r in responses:
                if r.error_message:
                    code, _, msg = r.error_message.partition(": ")
                    yield r.infer_response.id, CerberusError(code, msg)
                else:
                    yield r.infer_response.id, oip.decode(r.infer_response)
        except grpc.RpcError as e:
            raise CerberusError.from_rpc(e) from None

    def oip_model_ready(self, model: str, version: str = "", timeout: Optional[float] = None) -> bool:
        req = oip_pb.ModelReadyRequest(name=model, version=version)
        return self._call(self._oip.ModelReady, req, timeout).ready


def connect(target: str, token: Optional[str] = None,
            tls: Union[None, bool, str, TlsOptions] = None, timeout: float = 30.0,
            retry: RetryPolicy = RetryPolicy()) -> CerberusClient:
    """Connects (lazily) to target "host:port". `token`: sent as `authorization: Bearer`;
    `tls`: None plaintext, True TLS with the system roots, a CA file path, or TlsOptions (mTLS)."""
    return CerberusClient(target, timeout, token=token, tls=tls, retry=retry)


def decode_oip_outputs(resp) -> dict:
    """Kept for callers of 0.1: same as oip.decode()."""
    return oip.decode(resp)
