import { Agent, request } from 'node:http';
import { serializeLikeMeta, signBody, statusBatch } from '../lib/payload.mjs';

/**
 * Open-loop load: request i is due at start + i / rate whatever happened to the earlier ones, so a
 * stalled server gets more requests in flight instead of fewer (a closed loop would wait and hide
 * the stall: coordinated omission). Latencies count from the due time; `lagMs` says how late the
 * sender itself was, which should stay near zero for the figures to be about wahook.
 */
const AGENT = new Agent({ keepAlive: true, maxSockets: 512 });

/** Wamids unique per benchmark: the event a webhook yields can be traced back to its send. */
export function benchWamid(step, n) {
  return `wamid.HBgNNDkxNTExMjM0NTY3OBUCABEYEj${Buffer.from(`E2E${step}-${n}`).toString('base64')}`;
}

/**
 * `count` signed one-status webhooks (status `sent`, distinct wamids), built before the clock
 * starts so that signing is not part of the sender's timing.
 */
export function buildWebhooks(secret, step, count) {
  const template = statusBatch(1);
  const value = template.entry[0].changes[0].value;
  const webhooks = new Array(count);
  for (let n = 0; n < count; n++) {
    const wamid = benchWamid(step, n);
    value.statuses[0].id = wamid;
    const body = Buffer.from(serializeLikeMeta(template));
    webhooks[n] = { wamid, body, signature: signBody(body, secret) };
  }
  return webhooks;
}

/**
 * Sends `webhooks` at `rate` per second, spread round-robin over `urls` (several receivers behind
 * what would be a load balancer), and resolves when every request has been answered
 * (or failed). Each record: dueAt, startedAt, ackedAt (performance.now() ms), status or error.
 */
export function sendOpenLoop({ urls, webhooks, rate, onAllSent }) {
  const records = webhooks.map((webhook) => ({ wamid: webhook.wamid, dueAt: 0, startedAt: 0 }));
  const intervalMs = 1000 / rate;
  let next = 0;
  let settled = 0;
  return new Promise((resolve) => {
    const start = performance.now();
    const settle = () => {
      if (++settled === webhooks.length) resolve(records);
    };
    const tick = () => {
      const now = performance.now();
      while (next < webhooks.length && start + next * intervalMs <= now) {
        const record = records[next];
        record.dueAt = start + next * intervalMs;
        post(urls[next % urls.length], webhooks[next], record, settle);
        next++;
      }
      if (next < webhooks.length) setTimeout(tick, Math.max(0, start + next * intervalMs - now - 0.5));
      else onAllSent?.();
    };
    tick();
  });
}

function post(url, webhook, record, settle) {
  record.startedAt = performance.now();
  const req = request(url, {
    method: 'POST',
    agent: AGENT,
    headers: {
      'content-type': 'application/json',
      'content-length': webhook.body.length,
      'user-agent': 'facebookexternalua',
      'x-hub-signature-256': webhook.signature,
    },
  });
  req.on('response', (response) => {
    response.resume();
    response.on('end', () => {
      record.ackedAt = performance.now();
      record.status = response.statusCode;
      settle();
    });
  });
  req.on('error', (error) => {
    record.ackedAt = performance.now();
    record.error = error.code ?? error.message;
    settle();
  });
  req.end(webhook.body);
}

export function closeSenderSockets() {
  AGENT.destroy();
}
