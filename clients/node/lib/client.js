'use strict';
// Node client for Cerberus: its own API (cerberus.v1), grpc.health.v1 and OIP v2 ModelInfer.
// Protos are loaded at run time from the repository's proto/ folder (CERBERUS_PROTO_DIR
// overrides it), so there is nothing to generate.
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_DIR = process.env.CERBERUS_PROTO_DIR
  || path.join(__dirname, '..', '..', '..', 'proto', 'src', 'main', 'proto');
const LOADER_OPTIONS = { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true };

function loadPackage() {
  const def = protoLoader.loadSync(
    ['cerberus/v1/classifier.proto', 'inference/grpc_service.proto', path.join(__dirname, '..', 'proto', 'health.proto')],
    { ...LOADER_OPTIONS, includeDirs: [PROTO_DIR] });
  return grpc.loadPackageDefinition(def);
}

const STATUS_NAMES = Object.fromEntries(Object.entries(grpc.status).map(([k, v]) => [v, k]));

/** A failed call: `code` is the gRPC status name (e.g. "NOT_FOUND"), `message` the reason. */
class CerberusError extends Error {
  constructor(code, message) {
    super(`${code}: ${message}`);
    this.code = code;
    this.detail = message;
  }

  static fromGrpc(err) {
    const code = STATUS_NAMES[err.code] || 'UNKNOWN';
    return new CerberusError(code, err.details || err.message || '(no message)');
  }
}

/** One wire ItemResult as the JSONL object every Cerberus CLI writes. */
function resultToObject(r) {
  if (r.outcome === 'error') {
    return { id: r.id, error: { code: r.error.code, message: r.error.message } };
  }
  const p = r.prediction;
  const heads = {};
  for (const h of p.heads) {
    const probabilities = {};
    for (const lp of h.probabilities) probabilities[lp.label] = lp.probability;
    heads[h.head] = { label: h.label, probabilities };
  }
  const out = { id: r.id, decision: p.decision, unknown: p.unknown, ood_score: p.ood_score, heads };
  // why: gate | threshold | class (unset from an older server)
  if (p.reason && p.reason !== 'REASON_UNSPECIFIED') out.reason = p.reason.replace(/^REASON_/, '').toLowerCase();
  return out;
}

/** An item: {id, image: Buffer}, {id, text: string} or {id, tensor: {shape, values}}. */
function toWireItem(item) {
  if (item.image !== undefined) return { id: item.id, image: item.image };
  if (item.tensor !== undefined) return { id: item.id, tensor: item.tensor };
  return { id: item.id, text: item.text };
}

class CerberusClient {
  /** @param {string} target host:port  @param {{timeoutMs?: number}} [options] */
  constructor(target, options = {}) {
    const pkg = loadPackage();
    const creds = grpc.credentials.createInsecure();
    const channelOptions = {
      'grpc.max_receive_message_length': 64 << 20,
      'grpc.max_send_message_length': 64 << 20,
    };
    this.classifier = new pkg.cerberus.v1.Classifier(target, creds, channelOptions);
    this.oip = new pkg.inference.GRPCInferenceService(target, creds, channelOptions);
    this.healthStub = new pkg.grpc.health.v1.Health(target, creds, channelOptions);
    this.timeoutMs = options.timeoutMs ?? 60000;
  }

  close() {
    this.classifier.close();
    this.oip.close();
    this.healthStub.close();
  }

  _unary(stub, method, request) {
    return new Promise((resolve, reject) => {
      stub[method](request, { deadline: Date.now() + this.timeoutMs }, (err, resp) => {
        if (err) reject(CerberusError.fromGrpc(err));
        else resolve(resp);
      });
    });
  }

  /** grpc.health.v1 Check: "SERVING", "NOT_SERVING", ... */
  async health(service = '') {
    return (await this._unary(this.healthStub, 'Check', { service })).status;
  }

  async listModels() {
    return (await this._unary(this.classifier, 'ListModels', {})).models;
  }

  /** Unary Classify: one result object per item, in order. */
  async classify(model, items, { version = '', heads = [] } = {}) {
    const resp = await this._unary(this.classifier, 'Classify',
      { model, version, heads, items: items.map(toWireItem) });
    return resp.results.map(resultToObject);
  }

  /**
   * ClassifyStream: yields one result object per item as results arrive (any order). At most
   * `maxInFlight` items are unanswered at a time and writes respect the stream's flow control.
   * @param {Iterable|AsyncIterable} items
   */
  async *classifyStream(model, items, { version = '', heads = [], chunk = 64, maxInFlight = 1024 } = {}) {
    const call = this.classifier.ClassifyStream();
    const results = [];
    let inFlight = 0;
    let failure = null;
    let ended = false;
    let wake = null;
    const notify = () => { if (wake) { const w = wake; wake = null; w(); } };
    const waitFor = () => new Promise((resolve) => { wake = resolve; });
    call.on('data', (resp) => {
      for (const r of resp.results) results.push(resultToObject(r));
      inFlight -= resp.results.length;
      notify();
    });
    call.on('error', (err) => { failure = CerberusError.fromGrpc(err); notify(); });
    call.on('end', () => { ended = true; notify(); });

    let writerWake = null;
    const writer = (async () => {
      let batch = [];
      let first = true;
      const send = async () => {
        while (inFlight + batch.length > maxInFlight && !failure) {
          await new Promise((resolve) => { writerWake = resolve; });
        }
        if (failure) return false;
        const msg = { items: batch.map(toWireItem) };
        if (first) Object.assign(msg, { model, version, heads });
        first = false;
        inFlight += batch.length;
        batch = [];
        if (!call.write(msg)) await new Promise((resolve) => call.once('drain', resolve));
        return true;
      };
      for await (const item of items) {
        batch.push(item);
        if (batch.length >= chunk && !(await send())) return;
      }
      if (batch.length > 0 && !(await send())) return;
      call.end();
    })().catch((err) => { failure = failure || err; call.cancel(); notify(); });

    try {
      for (;;) {
        while (results.length > 0) {
          yield results.shift();
        }
        if (writerWake) { const w = writerWake; writerWake = null; w(); }
        if (failure) throw failure;
        if (ended) break;
        await waitFor();
      }
      await writer;
    } finally {
      if (!ended) call.cancel();
      if (writerWake) writerWake();
    }
  }

  /** OIP v2 ModelInfer with one BYTES input (images or texts); returns decoded outputs. */
  async oipInferBytes(model, elements, { version = '', outputs = [] } = {}) {
    return this._oipInfer(model, version, {
      name: 'input', datatype: 'BYTES', shape: [elements.length],
      contents: { bytes_contents: elements.map((e) => (Buffer.isBuffer(e) ? e : Buffer.from(e, 'utf8'))) },
    }, outputs);
  }

  /** OIP v2 ModelInfer with one FP32 input of `shape` (first dimension: items). */
  async oipInferFp32(model, values, shape, { version = '', outputs = [] } = {}) {
    return this._oipInfer(model, version,
      { name: 'input', datatype: 'FP32', shape, contents: { fp32_contents: values } }, outputs);
  }

  async oipModelMetadata(name, version = '') {
    return this._unary(this.oip, 'ModelMetadata', { name, version });
  }

  async _oipInfer(model_name, model_version, input, outputs) {
    const resp = await this._unary(this.oip, 'ModelInfer',
      { model_name, model_version, inputs: [input], outputs: outputs.map((name) => ({ name })) });
    return decodeOipOutputs(resp);
  }
}

/** ModelInferResponse -> {name: {datatype, shape, data}}, from typed or raw contents. */
function decodeOipOutputs(resp) {
  const out = {};
  resp.outputs.forEach((t, i) => {
    let data;
    const raw = resp.raw_output_contents && resp.raw_output_contents[i];
    if (raw) {
      if (t.datatype === 'FP32') {
        data = [];
        for (let k = 0; k + 4 <= raw.length; k += 4) data.push(raw.readFloatLE(k));
      } else if (t.datatype === 'BOOL') {
        data = [...raw].map((b) => b !== 0);
      } else {
        data = [];
        for (let k = 0; k < raw.length;) {
          const n = raw.readUInt32LE(k);
          data.push(raw.subarray(k + 4, k + 4 + n));
          k += 4 + n;
        }
      }
    } else if (t.datatype === 'FP32') data = t.contents.fp32_contents;
    else if (t.datatype === 'BOOL') data = t.contents.bool_contents;
    else data = t.contents.bytes_contents;
    out[t.name] = { datatype: t.datatype, shape: t.shape.map(Number), data, parameters: t.parameters };
  });
  return out;
}

module.exports = { CerberusClient, CerberusError, decodeOipOutputs, resultToObject, LOADER_OPTIONS };
