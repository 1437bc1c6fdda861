'use strict';
// Node client for Cerberus: its own API (cerberus.v1), grpc.health.v1 and OIP v2. Protos are
// loaded at run time from the package's proto/ folder (copied there by `npm pack`/setup.sh; in a
// source checkout the repository's proto/ is used; CERBERUS_PROTO_DIR overrides both).
const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { credentials, channelOptions, tokenMetadata } = require('./connection');
const { resultToObject, toWireItem } = require('./results');
const oip = require('./oip');
const { pump } = require('./stream');

const OWN_PROTOS = path.join(__dirname, '..', 'proto');
const REPO_PROTOS = path.join(__dirname, '..', '..', '..', 'proto', 'src', 'main', 'proto');
const LOADER_OPTIONS = { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true };

function protoDir() {
  if (process.env.CERBERUS_PROTO_DIR) return process.env.CERBERUS_PROTO_DIR;
  return fs.existsSync(path.join(OWN_PROTOS, 'cerberus', 'v1', 'classifier.proto')) ? OWN_PROTOS : REPO_PROTOS;
}

function loadPackage() {
  const def = protoLoader.loadSync(
    ['cerberus/v1/classifier.proto', 'inference/grpc_service.proto', path.join(OWN_PROTOS, 'health.proto')],
    { ...LOADER_OPTIONS, includeDirs: [protoDir()] });
  return grpc.loadPackageDefinition(def);
}

const STATUS_NAMES = Object.fromEntries(Object.entries(grpc.status).map(([k, v]) => [v, k]));

/** A failed call: `code` is the gRPC status name (e.g. "NOT_FOUND"), `detail` the server's message. */
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

class CerberusClient {
  /**
   * @param {string} target host:port
   * @param {{timeoutMs?: number, token?: string, tls?: boolean|string|object, retries?: number,
   *          serverName?: string}} [options] timeoutMs: default deadline of unary calls (30 s);
   *   token: sent as `authorization: Bearer`; tls: see connection.credentials; retries: attempts
   *   per call on UNAVAILABLE (4; 1 = none).
   */
  constructor(target, options = {}) {
    const pkg = loadPackage();
    const creds = credentials(options.tls);
    const opts = channelOptions(options);
    this.classifier = new pkg.cerberus.v1.Classifier(target, creds, opts);
    // The other stubs share the first one's channel.
    const shared = { channelOverride: this.classifier.getChannel() };
    this.oipStub = new pkg.inference.GRPCInferenceService(target, creds, { ...opts, ...shared });
    this.healthStub = new pkg.grpc.health.v1.Health(target, creds, { ...opts, ...shared });
    this.timeoutMs = options.timeoutMs ?? 30000;
    this.token = options.token;
    tokenMetadata(this.token); // a bad token fails here, not on the first call
  }

  close() {
    this.classifier.close();
  }

  _unary(stub, method, request, timeoutMs) {
    return new Promise((resolve, reject) => {
      const deadline = Date.now() + (timeoutMs ?? this.timeoutMs);
      stub[method](request, tokenMetadata(this.token), { deadline }, (err, resp) => {
        if (err) reject(CerberusError.fromGrpc(err));
        else resolve(resp);
      });
    });
  }

  /** grpc.health.v1 Check: "SERVING", "NOT_SERVING", ... */
  async health(service = '', { timeoutMs } = {}) {
    return (await this._unary(this.healthStub, 'Check', { service }, timeoutMs)).status;
  }

  async listModels({ timeoutMs } = {}) {
    return (await this._unary(this.classifier, 'ListModels', {}, timeoutMs)).models;
  }

  /** Unary Classify: one result object per item, in order. */
  async classify(model, items, { version = '', heads = [], timeoutMs } = {}) {
    const resp = await this._unary(this.classifier, 'Classify',
      { model, version, heads, items: items.map(toWireItem) }, timeoutMs);
    return resp.results.map(resultToObject);
  }

  /** Classify encoded images (Buffers); ids "0", "1", ... */
  classifyImages(model, images, options) {
    return this.classify(model, images.map((image, i) => ({ id: `${i}`, image })), options);
  }

  /** Classify texts; ids "0", "1", ... */
  classifyTexts(model, texts, options) {
    return this.classify(model, texts.map((text, i) => ({ id: `${i}`, text })), options);
  }

  /**
   * ClassifyStream: an async generator of result objects as they arrive (any order). At most
   * `maxInFlight` items are unanswered at a time and writes respect flow control. `deadlineMs`:
   * a deadline for the whole stream (none by default: a bulk stream lasts as long as its input).
   * @param {Iterable|AsyncIterable} items
   */
  async *classifyStream(model, items, { version = '', heads = [], chunk = 64, maxInFlight = 1024, deadlineMs } = {}) {
    const callOptions = deadlineMs ? { deadline: Date.now() + deadlineMs } : {};
    const call = this.classifier.ClassifyStream(tokenMetadata(this.token), callOptions);
    yield* pump(call, model, version, heads, items, chunk, maxInFlight,
      (err) => CerberusError.fromGrpc(err));
  }

  // ---- OIP v2; request builders are in require('cerberus-client').oip
  /** ModelInfer with a request from oip.*Request(); resolves to oip.decode()'s object. */
  async oipInfer(request, { timeoutMs } = {}) {
    return oip.decode(await this._unary(this.oipStub, 'ModelInfer', request, timeoutMs));
  }

  /** ModelInfer with one BYTES input (images or texts). */
  oipInferBytes(model, elements, { version = '', outputs = [], timeoutMs } = {}) {
    return this.oipInfer(oip.bytesRequest(model, elements, { version, outputs }), { timeoutMs });
  }

  /** ModelInfer with one FP32 input of `shape` (first dimension: items). */
  oipInferFp32(model, values, shape, { version = '', outputs = [], timeoutMs } = {}) {
    return this.oipInfer(oip.fp32Request(model, values, shape, { version, outputs }), { timeoutMs });
  }

  /**
   * ModelStreamInfer: sends every request, yields {id, outputs} or {id, error: CerberusError}
   * per request in completion order; a failed request does not end the stream.
   */
  async *oipStreamInfer(requests, { deadlineMs } = {}) {
    const call = this.oipStub.ModelStreamInfer(tokenMetadata(this.token), deadlineMs ? { deadline: Date.now() + deadlineMs } : {});
    const done = new Promise((resolve, reject) => {
      const answers = [];
      call.on('data', (r) => answers.push(r));
      call.on('error', (e) => reject(CerberusError.fromGrpc(e)));
      call.on('end', () => resolve(answers));
    });
    for (const r of requests) call.write(r);
    call.end();
    for (const r of await done) {
      if (r.error_message) {
        const i = r.error_message.indexOf(': ');
        yield { id: r.infer_response.id, error: new CerberusError(r.error_message.slice(0, i), r.error_message.slice(i + 2)) };
      } else {
        yield { id: r.infer_response.id, outputs: oip.decode(r.infer_response) };
      }
    }
  }

  async oipModelMetadata(name, version = '', { timeoutMs } = {}) {
    return this._unary(this.oipStub, 'ModelMetadata', { name, version }, timeoutMs);
  }
}

/** Connects (lazily) to target "host:port"; see CerberusClient for the options. */
function connect(target, options) {
  return new CerberusClient(target, options);
}

module.exports = {
  connect, CerberusClient, CerberusError, oip, resultToObject, LOADER_OPTIONS,
  decodeOipOutputs: oip.decode,
};
