'use strict';
// The clients' shared end-to-end scenario (clients/README.md "The e2e scenario") in Node, through
// the package installed from its npm tarball: node e2e.js HOST:PORT, run in the folder it was
// installed into (e2e.sh does both). Environment: see clients/README.md.
const fs = require('fs');
const path = require('path');
const { execFile } = require('child_process');

const pkgPath = require.resolve('cerberus-client', { paths: [process.cwd()] });
const cc = require(pkgPath);
const { CerberusError, oip } = cc;
const { oipChecks } = require('./oip-e2e');

const REPO = path.join(__dirname, '..', '..');
const env = process.env;
const TARGET = process.argv[2];
const MODEL = env.CERBERUS_E2E_MODEL || 'fashion';
const KNOWN = path.join(REPO, env.CERBERUS_E2E_KNOWN || 'examples/images/fashion/bag/00018.png');
const KNOWN_LABEL = env.CERBERUS_E2E_KNOWN_LABEL || 'bag';
const UNSEEN = path.join(REPO, env.CERBERUS_E2E_UNSEEN || 'examples/images/fashion/pullover/00001.png');
const TEXT_MODEL = env.CERBERUS_E2E_TEXT_MODEL || '';
const HEADS_MODEL = env.CERBERUS_E2E_HEADS_MODEL || '';
const STREAM_ITEMS = Number(env.CERBERUS_E2E_STREAM_ITEMS || 10000);
const STREAM_DEADLINE_MS = Number(env.CERBERUS_E2E_STREAM_DEADLINE || 600) * 1000;
const TOKEN = env.CERBERUS_E2E_TOKEN || undefined;
const CA = env.CERBERUS_E2E_CA || undefined;
const CLI = env.CERBERUS_E2E_NODE_CLI || path.join(path.dirname(pkgPath), '..', 'bin', 'cli.js');
const CORRUPT = Buffer.from('this is not an image');

function expect(cond, msg) { if (!cond) throw new Error(msg); }

async function expectError(code, fn, ...needles) {
  try {
    await fn();
  } catch (e) {
    expect(e instanceof CerberusError, `not a CerberusError: ${e}`);
    expect(e.code === code, `code ${e.code} (${e.detail}), expected ${code}`);
    for (const n of needles) expect(e.detail.includes(n), `message does not name ${n}: ${e.detail}`);
    return;
  }
  throw new Error(`no error, expected ${code}`);
}

function runCli(args) {
  return new Promise((resolve) => {
    execFile(CLI, ['--target', TARGET, ...(CA ? ['--tls-ca', CA] : []), ...args],
      { maxBuffer: 64 << 20, env: { ...env, CERBERUS_TOKEN: TOKEN || '' } },
      (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }));
  });
}

async function main() {
  console.log(`cerberus-client from ${path.dirname(pkgPath)}`);
  const known = fs.readFileSync(KNOWN);
  const unseen = fs.readFileSync(UNSEEN);
  const client = cc.connect(TARGET, { token: TOKEN, tls: CA, timeoutMs: 120000 });
  const checks = [
    ['health', async () => expect(await client.health() === 'SERVING', 'not SERVING')],
    ['list models', async () => {
      const names = (await client.listModels()).map((m) => m.name);
      for (const m of [MODEL, TEXT_MODEL, HEADS_MODEL]) expect(!m || names.includes(m), `${m} not in ${names}`);
    }],
    ['known image and unseen image', async () => {
      const [k, u] = await client.classifyImages(MODEL, [known, unseen]);
      expect(k.decision === KNOWN_LABEL && !k.unknown && k.reason === 'class', `known: ${JSON.stringify(k)}`);
      for (const h of Object.values(k.heads)) {
        const s = Object.values(h.probabilities).reduce((a, b) => a + b, 0);
        expect(Math.abs(s - 1) < 1e-3, `probabilities sum to ${s}`);
      }
      expect(u.unknown && u.decision === 'unknown' && ['threshold', 'gate'].includes(u.reason), `unseen: ${JSON.stringify(u)}`);
    }],
    ['bad item beside good ones', async () => {
      const res = await client.classify(MODEL, [{ id: 'a', image: known }, { id: 'bad', image: CORRUPT }, { id: 'b', image: unseen }]);
      expect(res.map((r) => r.id).join() === 'a,bad,b', `ids ${res.map((r) => r.id)}`);
      expect(res[0].decision && res[2].decision, 'good items lack predictions');
      expect(res[1].error && res[1].error.code === 'INVALID_ARGUMENT', `corrupt item: ${JSON.stringify(res[1])}`);
    }],
    ...(HEADS_MODEL ? [['per-head fields', async () => {
      const vecs = [[4, 0], [0, 4], [0, 0]];
      const res = await client.classify(HEADS_MODEL, vecs.map((v, i) => ({ id: `${i}`, tensor: { shape: [2], values: v } })));
      expect(JSON.stringify(res.map((r) => r.accepted_heads)) === '[["color"],["size"],[]]', `accepted ${JSON.stringify(res)}`);
      for (const r of res) {
        for (const [name, h] of Object.entries(r.heads)) {
          expect(typeof h.unknown === 'boolean' && h.unknown === (h.ood_score > h.threshold), `${name}: ${JSON.stringify(h)}`);
          expect(h.reason === (h.unknown ? 'threshold' : 'class'), `${name} reason ${h.reason}`);
          expect(r.accepted_heads.includes(name) === !h.unknown, `${name} accepted?`);
        }
      }
      expect(res[2].unknown && res[2].reason === 'threshold', `none of these: ${JSON.stringify(res[2])}`);
      expect(!res[0].unknown && !res[1].unknown, 'accepted items are unknown');
    }]] : []),
    ...(TEXT_MODEL ? [['text', async () => {
      const res = await client.classifyTexts(TEXT_MODEL, ['the cat', 'a bus']);
      expect(res.length === 2 && res.every((r) => r.decision && Object.keys(r.heads).length), JSON.stringify(res));
    }]] : []),
    [`stream of ${STREAM_ITEMS} items with a deadline`, async () => {
      function* items() {
        for (let i = 0; i < STREAM_ITEMS; i++) {
          yield { id: `s${i}`, image: i % 1000 === 500 ? CORRUPT : (i % 2 ? unseen : known) };
        }
      }
      const seen = new Set();
      let errors = 0;
      for await (const r of client.classifyStream(MODEL, items(), { chunk: 100, deadlineMs: STREAM_DEADLINE_MS })) {
        expect(!seen.has(r.id), `duplicate ${r.id}`);
        seen.add(r.id);
        if (r.error) {
          errors += 1;
          expect(r.error.code === 'INVALID_ARGUMENT', `unexpected error ${JSON.stringify(r)}`);
        }
      }
      expect(seen.size === STREAM_ITEMS, `${seen.size} results for ${STREAM_ITEMS} items`);
      expect(errors === Math.floor((STREAM_ITEMS + 499) / 1000), `${errors} item errors`);
    }],
    ['expired deadline -> DEADLINE_EXCEEDED', () => expectError('DEADLINE_EXCEEDED',
      () => client.classifyImages(MODEL, Array(8).fill(known), { timeoutMs: 1 }))],
    ['unknown model -> NOT_FOUND', () => expectError('NOT_FOUND',
      () => client.classifyImages('no-such-model', [known]), 'no-such-model')],
    ['OIP v2 ModelInfer and ModelStreamInfer (package helpers)', async () => {
      const ref = await client.classifyImages(MODEL, [known, unseen]);
      const got = oip.decisions(await client.oipInfer(oip.imageRequest(MODEL, [known, unseen])));
      const key = (d) => `${d.decision}/${d.unknown}/${d.reason}`;
      expect(got.map(key).join() === ref.map(key).join(), `${JSON.stringify(got)} vs ${JSON.stringify(ref)}`);
      await expectError('INVALID_ARGUMENT', () => client.oipInfer(oip.imageRequest(MODEL, [known, CORRUPT])), 'item 1');
      const answers = {};
      for await (const a of client.oipStreamInfer([oip.imageRequest(MODEL, [known], { id: 'good' }),
        oip.imageRequest(MODEL, [CORRUPT], { id: 'bad' })], { deadlineMs: 120000 })) answers[a.id] = a;
      expect(oip.decisions(answers.good.outputs)[0].decision === KNOWN_LABEL, 'stream good');
      expect(answers.bad.error && answers.bad.error.code === 'INVALID_ARGUMENT', `stream bad ${answers.bad.error}`);
    }],
    ['CLI: JSONL and a one-line error', async () => {
      const ok = await runCli(['--model', MODEL, KNOWN, UNSEEN]);
      expect(ok.code === 0, `exit ${ok.code}: ${ok.stderr}`);
      const lines = ok.stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(lines.map((l) => l.id).sort().join() === [KNOWN, UNSEEN].sort().join(), `ids ${lines.map((l) => l.id)}`);
      for (const l of lines) {
        for (const k of ['decision', 'unknown', 'ood_score', 'reason', 'heads']) expect(k in l, `no ${k}`);
      }
      const bad = await runCli(['--model', 'no-such-model', KNOWN]);
      expect(bad.code === 2 && bad.stderr.startsWith('error: NOT_FOUND: '), `exit ${bad.code}, stderr ${bad.stderr}`);
      expect(bad.stderr.trim().split('\n').length === 1, `stderr ${bad.stderr}`);
    }],
    ...(TOKEN ? [['token required, health open', async () => {
      const anonymous = cc.connect(TARGET, { tls: CA });
      try {
        expect(await anonymous.health() === 'SERVING', 'health must stay open');
        await expectError('UNAUTHENTICATED', () => anonymous.classifyImages(MODEL, [known]));
      } finally { anonymous.close(); }
      const wrong = cc.connect(TARGET, { tls: CA, token: 'wrong' });
      try { await expectError('UNAUTHENTICATED', () => wrong.classifyImages(MODEL, [known])); } finally { wrong.close(); }
    }]] : []),
    ...oipChecks(TARGET, MODEL, [known, unseen, known], CORRUPT, { token: TOKEN, ca: CA }),
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
  console.log(`node e2e: ${checks.length - failed} passed, ${failed} failed${TOKEN ? '' : ' (no token set: token check skipped)'}`);
  return failed ? 1 : 0;
}

if (!TARGET) {
  console.error('usage: node e2e.js HOST:PORT');
  process.exitCode = 64;
} else {
  main().then((code) => { process.exitCode = code; }, (e) => { console.error(`error: ${e.message}`); process.exitCode = 1; });
}
