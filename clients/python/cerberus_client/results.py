"""Wire results -> plain dicts in the JSONL shape the CLIs of every language write.

    {"id", "decision", "unknown", "ood_score", "reason", "accepted_heads",
     "heads": {name: {"label", "probabilities", "own_unknown"?, "reason"?}}}
    {"id", "error": {"code", "message"}}

`own_unknown` ({"unknown", "ood_score", "ood_method", "threshold"}) and the head's `reason` appear
only for heads with their own unknown policy; `accepted_heads` lists those that accepted the item.
"""
from typing import Dict, List, TypedDict


class OwnUnknown(TypedDict):
    unknown: bool
    ood_score: float
    ood_method: str
    threshold: float


class HeadResult(TypedDict, total=False):
    label: str
    probabilities: Dict[str, float]
    own_unknown: OwnUnknown
    reason: str


class Result(TypedDict, total=False):
    id: str
    decision: str
    unknown: bool
    ood_score: float
    reason: str  # gate | threshold | class
    accepted_heads: List[str]
    heads: Dict[str, HeadResult]
    error: Dict[str, str]


def _reason(pb, value) -> str:
    return pb.Reason.Name(value)[len("REASON_"):].lower()


def _head(pb, h) -> HeadResult:
    out: HeadResult = {"label": h.label,
                       "probabilities": {lp.label: lp.probability for lp in h.probabilities}}
    if h.HasField("own_unknown"):
        u = h.own_unknown
        out["own_unknown"] = {"unknown": u.unknown, "ood_score": u.ood_score,
                              "ood_method": u.ood_method, "threshold": u.threshold}
    if h.reason:
        out["reason"] = _reason(pb, h.reason)
    return out


def result_to_dict(r) -> Result:
    """One cerberus.v1 ItemResult as a Result dict."""
    from ._stubs import pb
    if r.WhichOneof("outcome") == "error":
        return {"id": r.id, "error": {"code": pb.ItemErrorCode.Name(r.error.code),
                                      "message": r.error.message}}
    p = r.prediction
    out: Result = {"id": r.id, "decision": p.decision, "unknown": p.unknown, "ood_score": p.ood_score,
                   "accepted_heads": list(p.accepted_heads),
                   "heads": {h.head: _head(pb, h) for h in p.heads}}
    if p.reason:  # unset from an older server
        out["reason"] = _reason(pb, p.reason)
    return out
