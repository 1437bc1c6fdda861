'use strict';
// The ClassifyStream pump: writes items in messages of `chunk`, keeps at most `maxInFlight`
// unanswered, waits for 'drain' when the transport says so, and yields results as they arrive.
const { resultToObject, toWireItem } = require('./results');

async function* pump(call, model, version, heads, items, chunk, maxInFlight, toError) {
  const results = [];
  let inFlight = 0;
  let failure = null;
  let ended = false;
  let wake = null;
  let writerWake = null;
  const notify = () => { if (wake) { const w = wake; wake = null; w(); } };
  call.on('data', (resp) => {
    for (const r of resp.results) results.push(resultToObject(r));
    inFlight -= resp.results.length;
    notify();
  });
  call.on('error', (err) => { failure = toError(err); notify(); });
  call.on('end', () => { ended = true; notify(); });

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
      while (results.length > 0) yield results.shift();
      if (writerWake) { const w = writerWake; writerWake = null; w(); }
      if (failure) throw failure;
      if (ended) break;
      await new Promise((resolve) => { wake = resolve; });
    }
    await writer;
  } finally {
    if (!ended) call.cancel();
    if (writerWake) writerWake();
  }
}

module.exports = { pump };
