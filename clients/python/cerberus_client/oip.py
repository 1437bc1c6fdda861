"""KServe Open Inference Protocol v2 helpers: build a ModelInferRequest for images, texts or
FP32 tensors, decode a ModelInferResponse (typed or raw contents), and read the per-item
decision/unknown/reason outputs (clients/README.md "OIP v2 mapping")."""
import struct
from typing import Any, Dict, List, Optional, Sequence, TypedDict, Union

from ._stubs import oip_pb


class Tensor(TypedDict):
    datatype: str
    shape: List[int]
    data: list


class Decision(TypedDict):
    decision: str
    unknown: bool
    ood_score: float
    reason: Optional[str]


def _request(model: str, tensor, version: str, outputs: Sequence[str], request_id: str):
    return oip_pb.ModelInferRequest(
        model_name=model, model_version=version, id=request_id, inputs=[tensor],
        outputs=[oip_pb.ModelInferRequest.InferRequestedOutputTensor(name=o) for o in outputs])


def bytes_request(model: str, elements: Sequence[Union[bytes, str]], version: str = "",
                  outputs: Sequence[str] = (), request_id: str = ""):
    """One BYTES input `[N]`: encoded images, or texts (str is sent as UTF-8)."""
    data = [e.encode("utf-8") if isinstance(e, str) else bytes(e) for e in elements]
    tensor = oip_pb.ModelInferRequest.InferInputTensor(
        name="input", datatype="BYTES", shape=[len(data)],
        contents=oip_pb.InferTensorContents(bytes_contents=data))
    return _request(model, tensor, version, outputs, request_id)


def image_request(model: str, images: Sequence[bytes], **kw):
    """OIP request for encoded PNG/JPEG images."""
    return bytes_request(model, images, **kw)


def text_request(model: str, texts: Sequence[str], **kw):
    """OIP request for texts."""
    return bytes_request(model, list(texts), **kw)


def fp32_request(model: str, values: Sequence[float], shape: Sequence[int], version: str = "",
                 outputs: Sequence[str] = (), request_id: str = ""):
    """One FP32 input of `shape` (first dimension: items), row-major values."""
    tensor = oip_pb.ModelInferRequest.InferInputTensor(
        name="input", datatype="FP32", shape=list(shape),
        contents=oip_pb.InferTensorContents(fp32_contents=list(values)))
    return _request(model, tensor, version, outputs, request_id)


def _raw(datatype: str, raw: bytes) -> list:
    if datatype == "FP32":
        return list(struct.unpack(f"<{len(raw) // 4}f", raw))
    if datatype == "BOOL":
        return [b != 0 for b in raw]
    data, pos = [], 0
    while pos < len(raw):  # BYTES: a 4-byte little-endian length before each element
        (n,) = struct.unpack_from("<I", raw, pos)
        data.append(raw[pos + 4:pos + 4 + n])
        pos += 4 + n
    return data


def decode(resp) -> Dict[str, Tensor]:
    """ModelInferResponse -> {output name: {"datatype", "shape", "data"}}."""
    out: Dict[str, Tensor] = {}
    for i, t in enumerate(resp.outputs):
        if len(resp.raw_output_contents) > i:
            data = _raw(t.datatype, resp.raw_output_contents[i])
        elif t.datatype == "FP32":
            data = list(t.contents.fp32_contents)
        elif t.datatype == "BOOL":
            data = list(t.contents.bool_contents)
        else:
            data = list(t.contents.bytes_contents)
        out[t.name] = {"datatype": t.datatype, "shape": list(t.shape), "data": data}
    return out


def decisions(outputs: Dict[str, Any]) -> List[Decision]:
    """The per-item `decision`, `unknown`, `ood_score` and `reason` of decoded outputs (as from
    decode()), one dict per item. Raises KeyError naming the outputs there are when the request
    asked for a subset without them."""
    for name in ("decision", "unknown", "ood_score"):
        if name not in outputs:
            raise KeyError(f"no output {name!r}; outputs: {sorted(outputs)}")
    reasons = outputs.get("reason", {}).get("data")
    n = len(outputs["decision"]["data"])
    return [{"decision": outputs["decision"]["data"][i].decode("utf-8"),
             "unknown": bool(outputs["unknown"]["data"][i]),
             "ood_score": float(outputs["ood_score"]["data"][i]),
             "reason": reasons[i].decode("utf-8") if reasons else None} for i in range(n)]


def head_unknowns(outputs: Dict[str, Any], head: str) -> List[Optional[bool]]:
    """`<head>_unknown` per item for a head with its own policy; [] when the head has none."""
    t = outputs.get(f"{head}_unknown")
    return [bool(v) for v in t["data"]] if t else []
