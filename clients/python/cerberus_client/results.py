"""Wire results -> plain dicts in the JSONL shape the CLIs of every language write."""


def result_to_dict(r) -> dict:
    """One cerberus.v1 ItemResult as {"id", "decision", ...} or {"id", "error": {...}}."""
    if r.WhichOneof("outcome") == "error":
        from ._stubs import pb
        return {"id": r.id, "error": {"code": pb.ItemErrorCode.Name(r.error.code),
                                      "message": r.error.message}}
    p = r.prediction
    out = {
        "id": r.id,
        "decision": p.decision,
        "unknown": p.unknown,
        "ood_score": p.ood_score,
        "heads": {
            h.head: {"label": h.label,
                     "probabilities": {lp.label: lp.probability for lp in h.probabilities}}
            for h in p.heads
        },
    }
    if p.reason:  # why: gate | threshold | class (unset from an older server)
        from ._stubs import pb
        out["reason"] = pb.Reason.Name(p.reason)[len("REASON_"):].lower()
    return out
