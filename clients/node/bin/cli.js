#!/usr/bin/env node
'use strict';
// CLI: classify files (or stdin lines) and write JSONL, like the Python and Go CLIs.
//   node bin/cli.js --target HOST:PORT --model fashion img1.png img2.png
//   cat texts.txt | node bin/cli.js --target HOST:PORT --model topics -
//   node bin/cli.js --target HOST:PORT health
// A failed call prints "error: CODE: message" on stderr and exits 2; no stack traces.
// The token comes from --token or CERBERUS_TOKEN (prefer the variable: flags are visible in ps).
// grpc-js passes an IP target as the TLS server name, which Node deprecates with a warning on
// stderr; the CLI's stderr is for errors only.
process.noDeprecation = true;
const fs = require('fs');
const readline = require('readline');
const { CerberusClient, CerberusError } = require('../lib/client');

const USAGE = 'usage: cerberus-classify [--target HOST:PORT] [--model NAME] [--version V] [--heads a,b] [--text] [--out FILE]\n'
  + '  [--timeout SECONDS] [--token TOKEN] [--tls] [--tls-ca FILE] [--tls-cert FILE --tls-key FILE] (FILE... | - | health | models)';

function parseArgs(argv) {
  const args = { target: '127.0.0.1:8500', version: '', heads: '', text: false, inputs: [], token: process.env.CERBERUS_TOKEN };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--target') args.target = value();
    else if (a === '--model') args.model = value();
    else if (a === '--version') args.version = value();
    else if (a === '--heads') args.heads = value();
    else if (a === '--out') args.out = value();
    else if (a === '--text') args.text = true;
    else if (a === '--token') args.token = value();
    else if (a === '--tls') args.tls = true;
    else if (a === '--tls-ca') args.tlsCa = value();
    else if (a === '--tls-cert') args.tlsCert = value();
    else if (a === '--tls-key') args.tlsKey = value();
    else if (a === '--timeout') {
      args.timeout = Number(value());
      if (!(args.timeout > 0)) throw new Error('--timeout needs a positive number of seconds');
    }
    else if (a === '-h' || a === '--help') { console.log(USAGE); process.exit(0); }
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else args.inputs.push(a);
  }
  return args;
}

async function* items(args) {
  const sources = args.inputs.length ? args.inputs : ['-'];
  for (const src of sources) {
    if (src === '-') {
      let n = 0;
      for await (const line of readline.createInterface({ input: process.stdin, crlfDelay: Infinity })) {
        n += 1;
        if (line) yield { id: `stdin:${n}`, text: line };
      }
    } else if (args.text) {
      yield { id: src, text: fs.readFileSync(src, 'utf8') };
    } else {
      yield { id: src, image: fs.readFileSync(src) };
    }
  }
}

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`error: ${e.message}\n${USAGE}`);
    return 64;
  }
  let client;
  try {
    const tls = args.tlsCa || args.tlsCert ? { ca: args.tlsCa, cert: args.tlsCert, key: args.tlsKey } : args.tls;
    client = new CerberusClient(args.target, {
      token: args.token, tls, timeoutMs: args.timeout ? args.timeout * 1000 : undefined,
    });
    if (args.inputs.length === 1 && args.inputs[0] === 'health') {
      console.log(await client.health());
      return 0;
    }
    if (args.inputs.length === 1 && args.inputs[0] === 'models') {
      for (const m of await client.listModels()) console.log(JSON.stringify(m));
      return 0;
    }
    if (!args.model) {
      console.error(`error: --model is required to classify\n${USAGE}`);
      return 64;
    }
    const out = args.out ? fs.createWriteStream(args.out) : process.stdout;
    const heads = args.heads.split(',').filter(Boolean);
    const deadlineMs = args.timeout ? args.timeout * 1000 : undefined;
    for await (const r of client.classifyStream(args.model, items(args), { version: args.version, heads, deadlineMs })) {
      if (!out.write(`${JSON.stringify(r)}\n`)) await new Promise((resolve) => out.once('drain', resolve));
    }
    if (out !== process.stdout) await new Promise((resolve) => out.end(resolve));
    return 0;
  } catch (e) {
    if (e instanceof CerberusError) console.error(`error: ${e.code}: ${e.detail}`);
    else console.error(`error: ${e.message}`);
    return 2;
  } finally {
    if (client) client.close();
  }
}

main().then((code) => { process.exitCode = code; });
