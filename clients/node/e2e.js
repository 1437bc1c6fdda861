'use strict';
// End-to-end checks of the Node client against a running server: node e2e.js HOST:PORT
const fs = require('fs');
const path = require('path');
const { execFile } = require('child_process');
const { CerberusClient, CerberusError } = require('./lib/client');
const { oipChecks } = require('./oip-e2e');

const TARGET = process.argv[2];
const MODEL = process.env.CERBERUS_E2E_MODEL || 'fashion';
const IMAGES = process.env.CERBERUS_E2E_IMAGES || path.join(__dirname, '..', '..', 'examples', 'images', 'fashion');
const STREAM_ITEMS = Number(process.env.CERBERUS_E2E_STREAM_ITEMS || 10000);
const CORRUPT = Buffer.from('this is not an image');

function expect(cond, msg) { if (!cond) throw new Error(msg); }

function findPngs(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? findPngs(p) : (p.endsWith('.png') ? [p] : []);
  }).sort();
}

function runCli(args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(__dirname, 'bin', 'cli.js'), ...args], { maxBuffer: 64 << 20 },
      (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }));
  });
}

async function main() {
  const paths = findPngs(IMAGES);
  expect(paths.length > 0, `no sample images under ${IMAGES}`);
  const images = paths.map((p) => fs.readFileSync(p));
  const client = new CerberusClient(TARGET, { timeoutMs: 120000 });

  const checks = [
    ['health', async () => expect(await client.health() === 'SERVING', 'not SERVING')],
    ['unary classify with a corrupt item', async () => {
      const items = [0, 1, 2].map((i) => ({ id: `u${i}`, image: images[i] }));
      items.splice(1, 0, { id: 'bad', image: CORRUPT });
      const res = await client.classify(MODEL, items);
      expect(res.map((r) => r.id).join() === 'u0,bad,u1,u2', `order ${JSON.stringify(res)}`);
      for (const r of [res[0], res[2], res[3]]) {
        expect(r.decision !== undefined && Object.keys(r.heads).length > 0, `no prediction ${JSON.stringify(r)}`);
        for (const h of Object.values(r.heads)) {
          const s = Object.values(h.probabilities).reduce((a, b) => a + b, 0);
          expect(Math.abs(s - 1) < 1e-3, `probabilities sum to ${s}`);
        }
      }
      expect(res[1].error && res[1].error.code === 'INVALID_ARGUMENT', `corrupt item ${JSON.stringify(res[1])}`);
    }],
    [`stream of ${STREAM_ITEMS} items`, async () => {
      function* gen() {
        for (let i = 0; i < STREAM_ITEMS; i++) {
          yield { id: `s${i}`, image: i % 1000 === 500 ? CORRUPT : images[i % images.length] };
        }
      }
      const seen = new Set();
      let errors = 0;
      for await (const r of client.classifyStream(MODEL, gen(), { chunk: 100 })) {
        expect(!seen.has(r.id), `duplicate ${r.id}`);
        seen.add(r.id);
        if (r.error) {
          errors += 1;
          expect(r.error.code === 'INVALID_ARGUMENT', `unexpected ${JSON.stringify(r)}`);
        }
      }
      expect(seen.size === STREAM_ITEMS, `${seen.size} results for ${STREAM_ITEMS} items`);
      expect(errors === Math.floor(STREAM_ITEMS / 1000), `${errors} item errors`);
    }],
    ['unknown model -> NOT_FOUND', async () => {
      try {
        await client.classify('no-such-model', [{ id: 'x', image: images[0] }]);
      } catch (e) {
        expect(e instanceof CerberusError && e.code === 'NOT_FOUND', `got ${e}`);
        expect(e.detail.includes('no-such-model'), `message does not name the model: ${e.detail}`);
        return;
      }
      throw new Error('unknown model did not fail');
    }],
    ['CLI error is readable', async () => {
      const r = await runCli(['--target', TARGET, '--model', 'no-such-model', paths[0]]);
      expect(r.code === 2, `exit ${r.code}`);
      expect(r.stderr.startsWith('error: NOT_FOUND: '), `stderr ${JSON.stringify(r.stderr)}`);
      expect(!/\n\s+at /.test(r.stderr), 'stack trace shown');
    }],
    ['CLI writes JSONL', async () => {
      const r = await runCli(['--target', TARGET, '--model', MODEL, paths[0], paths[1]]);
      expect(r.code === 0, `exit ${r.code}: ${r.stderr}`);
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(lines.map((l) => l.id).sort().join() === [paths[0], paths[1]].sort().join(), `ids ${r.stdout}`);
      for (const l of lines) {
        for (const k of ['decision', 'unknown', 'ood_score', 'reason', 'heads']) expect(k in l, `missing ${k}`);
      }
    }],
    ['OIP v2 ModelInfer (client library)', async () => {
      const reference = await client.classify(MODEL, [0, 1].map((i) => ({ id: `${i}`, image: images[i] })));
      const out = await client.oipInferBytes(MODEL, images.slice(0, 2));
      const decisions = out.decision.data.map((b) => b.toString('utf8'));
      expect(decisions.join() === reference.map((r) => r.decision).join(), `${decisions} vs reference`);
    }],
    ...oipChecks(TARGET, MODEL, images, CORRUPT),
  ];

  let failed = 0;
  for (const [name, fn] of checks) {
    try {
      await fn();
      console.log(`ok   ${name}`);
    } catch (e) {
      failed += 1;
      console.log(`FAIL ${name}: ${e.message}`);
    }
  }
  client.close();
  console.log(`node e2e: ${checks.length - failed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

if (!TARGET) {
  console.error('usage: node e2e.js HOST:PORT');
  process.exitCode = 64;
} else {
  main().then((code) => { process.exitCode = code; }, (e) => { console.error(`error: ${e.message}`); process.exitCode = 1; });
}
