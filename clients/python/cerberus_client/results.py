"""Wire results -> plain dicts in the JSONL shape the CLIs of every language write.

    {"id", "decision", "unknown", "ood_score", "reason",
     "heads": {name: {"label", "probabilities", "unknown"?, "ood_score"?, "threshold"?, "reason"?}},
     "accepted_heads"?}
    {"id", "error": {"code", "message"}}

A head with its own unknown policy also carries that policy's verdict (`unknown`, `ood_score`,
`threshold`) and its `reason`; `accepted_heads` (the heads whose own policy accepted the item,
empty = "none of these") is there only when some head has its own policy. Same shape as the Java
CLI (clients/java/README.md).
"""
from typing import Dict, List, TypedDict


class HeadResult(TypedDict, total=False):
    label: str
    probabilities: Dict[str, float]
    unknown: bool      # the head's own policy: only for heads with one
    ood_score: float
    threshold: float
    reason: str        # gate | threshold | class: only for heads with their own policy


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
        out.update(unknown=u.unknown, ood_score=u.ood_score, threshold=u.threshold)
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
    out: Result = {"id": r.id, "decision": p.decision, "unknown": p.unknown, "ood_score": p.ood_score}
    if p.reason:  # unset from an older server
        out["reason"] = _reason(pb, p.reason)
    out["heads"] = {h.head: _head(pb, h) for h in p.heads}
    if any(h.HasField("own_unknown") for h in p.heads):
        out["accepted_heads"] = list(p.accepted_heads)
    return out
