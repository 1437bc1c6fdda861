'use strict';
// Wire results -> the JSONL objects every Cerberus CLI writes:
//   {id, decision, unknown, ood_score, reason, heads: {name: {label, probabilities, unknown?,
//    ood_score?, threshold?, reason?}}, accepted_heads?}  or  {id, error: {code, message}}
// A head with its own unknown policy also carries that policy's verdict (unknown, ood_score,
// threshold) and its reason; accepted_heads (empty = "none of these") is there only when some
// head has its own policy. Same shape as the Java CLI (clients/java/README.md).

function reasonName(r) {
  return r && r !== 'REASON_UNSPECIFIED' ? r.replace(/^REASON_/, '').toLowerCase() : undefined;
}

function headToObject(h) {
  const probabilities = {};
  for (const lp of h.probabilities) probabilities[lp.label] = lp.probability;
  const out = { label: h.label, probabilities };
  if (h.own_unknown) {
    const u = h.own_unknown;
    Object.assign(out, { unknown: u.unknown, ood_score: u.ood_score, threshold: u.threshold });
  }
  const reason = reasonName(h.reason);
  if (reason) out.reason = reason;
  return out;
}

/** One wire ItemResult as a result object. */
function resultToObject(r) {
  if (r.outcome === 'error') {
    return { id: r.id, error: { code: r.error.code, message: r.error.message } };
  }
  const p = r.prediction;
  const heads = {};
  for (const h of p.heads) heads[h.head] = headToObject(h);
  const out = { id: r.id, decision: p.decision, unknown: p.unknown, ood_score: p.ood_score };
  const reason = reasonName(p.reason); // unset from an older server
  if (reason) out.reason = reason;
  out.heads = heads;
  if (p.heads.some((h) => h.own_unknown)) out.accepted_heads = [...p.accepted_heads];
  return out;
}

/** An item: {id, image: Buffer}, {id, text: string} or {id, tensor: {shape, values}}. */
function toWireItem(item) {
  if (item.image !== undefined) return { id: item.id, image: item.image };
  if (item.tensor !== undefined) return { id: item.id, tensor: item.tensor };
  return { id: item.id, text: item.text };
}

module.exports = { resultToObject, toWireItem };
