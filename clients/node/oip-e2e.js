'use strict';
// OIP v2 checks made with a client generated at run time from the reference copy of the
// published grpc_service.proto (oip-reference/, or CERBERUS_OIP_PROTO), not the server's copy.
const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { CerberusClient } = require('./lib/client');

const OIP_PROTO = process.env.CERBERUS_OIP_PROTO || path.join(__dirname, 'oip-reference', 'grpc_service.proto');
const TENSOR_MODEL = process.env.CERBERUS_E2E_TENSOR_MODEL || 'vectors';

function expect(cond, msg) { if (!cond) throw new Error(msg); }

function oipStub(target, ca) {
  const def = protoLoader.loadSync(OIP_PROTO, { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def);
  const creds = ca ? grpc.credentials.createSsl(fs.readFileSync(ca)) : grpc.credentials.createInsecure();
  return new pkg.inference.GRPCInferenceService(target, creds,
    { 'grpc.max_receive_message_length': 64 << 20 });
}

let metadata = new grpc.Metadata();

function unary(stub, method, request) {
  return new Promise((resolve, reject) => {
    stub[method](request, metadata, { deadline: Date.now() + 120000 }, (err, resp) => (err ? reject(err) : resolve(resp)));
  });
}

function output(resp, name) {
  const t = resp.outputs.find((o) => o.name === name);
  expect(t, `output ${name} missing from ${resp.outputs.map((o) => o.name)}`);
  return t;
}

function close(a, b, tol = 1e-4) { return Math.abs(a - b) <= tol; }

/** Returns [name, async fn] checks. */
function oipChecks(target, model, images, corrupt, { token, ca } = {}) {
  const stub = oipStub(target, ca);
  metadata = new grpc.Metadata();
  if (token) metadata.set('authorization', `Bearer ${token}`);
  const cerberus = new CerberusClient(target, { timeoutMs: 120000, token, tls: ca });
  const bytesRequest = (id, elements) => ({
    model_name: model, id,
    inputs: [{ name: 'input', datatype: 'BYTES', shape: [elements.length], contents: { bytes_contents: elements } }],
  });
  return [
    ['OIP ServerLive, ServerReady, ModelReady', async () => {
      expect((await unary(stub, 'ServerLive', {})).live === true, 'not live');
      expect((await unary(stub, 'ServerReady', {})).ready === true, 'not ready');
      expect((await unary(stub, 'ModelReady', { name: model })).ready === true, `${model} not ready`);
      expect((await unary(stub, 'ModelReady', { name: 'no-such-model' })).ready === false, 'unknown model ready');
    }],
    ['OIP ModelMetadata', async () => {
      const meta = await unary(stub, 'ModelMetadata', { name: model });
      expect(meta.platform === 'cerberus', `platform ${meta.platform}`);
      expect(meta.versions.length > 0, 'no versions');
      expect(meta.inputs.length === 1 && meta.inputs[0].datatype === 'BYTES' && meta.inputs[0].shape.join() === '-1',
        `inputs ${JSON.stringify(meta.inputs)}`);
      const names = meta.outputs.map((o) => `${o.name}:${o.datatype}:${o.shape.join('x')}`);
      for (const want of ['decision:BYTES:-1', 'unknown:BOOL:-1', 'ood_score:FP32:-1', 'reason:BYTES:-1']) {
        expect(names.includes(want), `outputs ${names} lack ${want}`);
      }
      // why tensors (reason, a fusion's <member>_score) are item-level too
      const heads = meta.outputs.filter((o) => !['decision', 'unknown', 'ood_score', 'reason'].includes(o.name)
        && !o.name.endsWith('_score'));
      expect(heads.length > 0 && heads.every((h) => h.datatype === 'FP32' && h.shape.length === 2 && h.shape[0] === -1),
        `head outputs ${JSON.stringify(heads)}`);
    }],
    ['OIP ModelInfer with BYTES (images) matches Classify', async () => {
      const resp = await unary(stub, 'ModelInfer', bytesRequest('bytes-1', images.slice(0, 3)));
      expect(resp.id === 'bytes-1', `id ${resp.id}`);
      const reference = await cerberus.classify(model, images.slice(0, 3).map((image, i) => ({ id: `${i}`, image })));
      const decisions = output(resp, 'decision').contents.bytes_contents.map((b) => b.toString('utf8'));
      expect(decisions.join() === reference.map((r) => r.decision).join(), `${decisions} vs ${reference.map((r) => r.decision)}`);
      for (const [head, h] of Object.entries(reference[0].heads)) {
        const t = output(resp, head);
        const width = Object.keys(h.probabilities).length;
        expect(t.shape.join() === `3,${width}`, `${head} shape ${t.shape}`);
        expect(JSON.parse(t.parameters.labels.string_param).join() === Object.keys(h.probabilities).join(), 'labels');
        Object.values(h.probabilities).forEach((p, k) => expect(close(p, t.contents.fp32_contents[k]), `${head}[${k}]`));
      }
    }],
    ['OIP ModelInfer with FP32 (tensor model) matches Classify', async () => {
      const ready = await unary(stub, 'ModelReady', { name: TENSOR_MODEL });
      expect(ready.ready, `tensor model '${TENSOR_MODEL}' is not loaded (serve server/src/test/resources/oip/vectors or set CERBERUS_E2E_TENSOR_MODEL)`);
      const meta = await unary(stub, 'ModelMetadata', { name: TENSOR_MODEL });
      const itemShape = meta.inputs[0].shape.slice(1);
      const perItem = itemShape.reduce((a, b) => a * b, 1);
      const n = 3;
      const values = Array.from({ length: n * perItem }, (_, k) => Math.sin(k + 1) * 2);
      const resp = await unary(stub, 'ModelInfer', {
        model_name: TENSOR_MODEL,
        inputs: [{ name: 'input', datatype: 'FP32', shape: [n, ...itemShape], contents: { fp32_contents: values } }],
        outputs: [{ name: 'decision' }, { name: 'ood_score' }],
      });
      expect(resp.outputs.map((o) => o.name).join() === 'decision,ood_score', `outputs ${resp.outputs.map((o) => o.name)}`);
      const items = [...Array(n).keys()].map((i) => ({ id: `${i}`, tensor: { shape: itemShape, values: values.slice(i * perItem, (i + 1) * perItem) } }));
      const reference = await cerberus.classify(TENSOR_MODEL, items);
      const decisions = output(resp, 'decision').contents.bytes_contents.map((b) => b.toString('utf8'));
      expect(decisions.join() === reference.map((r) => r.decision).join(), `${decisions} vs ${reference.map((r) => r.decision)}`);
      output(resp, 'ood_score').contents.fp32_contents.forEach((s, i) => expect(close(s, reference[i].ood_score), `ood ${i}`));
    }],
    ['OIP ModelStreamInfer: one response per request, errors in error_message', async () => {
      const call = stub.ModelStreamInfer(metadata);
      const responses = [];
      const finished = new Promise((resolve, reject) => {
        call.on('data', (r) => responses.push(r));
        call.on('error', reject);
        call.on('end', resolve);
      });
      const total = 12;
      for (let i = 0; i < total; i++) {
        call.write(bytesRequest(`st-${i}`, i === 5 ? [images[0], corrupt] : [images[i % images.length]]));
      }
      call.end();
      await finished;
      expect(responses.length === total, `${responses.length} responses for ${total} requests`);
      const ids = responses.map((r) => r.infer_response.id).sort();
      expect(new Set(ids).size === total, `ids ${ids}`);
      const errors = responses.filter((r) => r.error_message);
      expect(errors.length === 1 && errors[0].infer_response.id === 'st-5', `errors ${JSON.stringify(errors.map((e) => e.error_message))}`);
      expect(errors[0].error_message.startsWith('INVALID_ARGUMENT: item 1: '), `error_message ${errors[0].error_message}`);
      const ok = responses.find((r) => !r.error_message);
      expect(ok.infer_response.outputs.some((o) => o.name === 'decision'), 'no decision output');
    }],
    ['OIP errors: corrupt image -> INVALID_ARGUMENT naming the item; unknown output', async () => {
      try {
        await unary(stub, 'ModelInfer', bytesRequest('bad', [images[0], corrupt]));
        throw new Error('corrupt image accepted');
      } catch (e) {
        expect(e.code === grpc.status.INVALID_ARGUMENT && e.details.startsWith('item 1: '), `got ${e.code} ${e.details}`);
      }
      try {
        await unary(stub, 'ModelInfer', { ...bytesRequest('bad2', [images[0]]), outputs: [{ name: 'nope' }] });
        throw new Error('unknown output accepted');
      } catch (e) {
        expect(e.code === grpc.status.INVALID_ARGUMENT && e.details.includes("unknown output 'nope'"), `got ${e.code} ${e.details}`);
      }
    }],
  ];
}

module.exports = { oipChecks };
