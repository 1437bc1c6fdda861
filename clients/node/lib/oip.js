'use strict';
// KServe Open Inference Protocol v2 helpers: build a ModelInferRequest for images, texts or FP32
// tensors, decode a ModelInferResponse (typed or raw contents), read decision/unknown/reason.

function request(model, input, { version = '', outputs = [], id = '' } = {}) {
  return { model_name: model, model_version: version, id, inputs: [input], outputs: outputs.map((name) => ({ name })) };
}

/** One BYTES input [N]: Buffers (encoded images) or strings (texts, sent as UTF-8). */
function bytesRequest(model, elements, options) {
  const data = elements.map((e) => (Buffer.isBuffer(e) ? e : Buffer.from(e, 'utf8')));
  return request(model, { name: 'input', datatype: 'BYTES', shape: [data.length], contents: { bytes_contents: data } }, options);
}
const imageRequest = bytesRequest;
const textRequest = bytesRequest;

/** One FP32 input of `shape` (first dimension: items), row-major values. */
function fp32Request(model, values, shape, options) {
  return request(model, { name: 'input', datatype: 'FP32', shape, contents: { fp32_contents: values } }, options);
}

function decodeRaw(datatype, raw) {
  const data = [];
  if (datatype === 'FP32') {
    for (let k = 0; k + 4 <= raw.length; k += 4) data.push(raw.readFloatLE(k));
  } else if (datatype === 'BOOL') {
    for (const b of raw) data.push(b !== 0);
  } else { // BYTES: a 4-byte little-endian length before each element
    for (let k = 0; k < raw.length;) {
      const n = raw.readUInt32LE(k);
      data.push(raw.subarray(k + 4, k + 4 + n));
      k += 4 + n;
    }
  }
  return data;
}

/** ModelInferResponse -> {name: {datatype, shape, data, parameters}}. */
function decode(resp) {
  const out = {};
  resp.outputs.forEach((t, i) => {
    const raw = resp.raw_output_contents && resp.raw_output_contents[i];
    let data;
    if (raw) data = decodeRaw(t.datatype, raw);
    else if (t.datatype === 'FP32') data = t.contents.fp32_contents;
    else if (t.datatype === 'BOOL') data = t.contents.bool_contents;
    else data = t.contents.bytes_contents;
    out[t.name] = { datatype: t.datatype, shape: t.shape.map(Number), data, parameters: t.parameters };
  });
  return out;
}

/** Per item {decision, unknown, ood_score, reason} of decoded outputs; throws naming the outputs there are. */
function decisions(outputs) {
  for (const name of ['decision', 'unknown', 'ood_score']) {
    if (!outputs[name]) throw new Error(`no output '${name}'; outputs: ${Object.keys(outputs).join(', ')}`);
  }
  const reasons = outputs.reason ? outputs.reason.data : null;
  return outputs.decision.data.map((d, i) => ({
    decision: d.toString('utf8'),
    unknown: Boolean(outputs.unknown.data[i]),
    ood_score: outputs.ood_score.data[i],
    reason: reasons ? reasons[i].toString('utf8') : null,
  }));
}

module.exports = { bytesRequest, imageRequest, textRequest, fp32Request, decode, decisions };
