import { createServer } from 'node:http';

/**
 * The business system at the end of the pipeline: a node:http server on 127.0.0.1 that answers 200
 * at once and notes, per wamid, when its `message.status` event arrived (the whole body read, on
 * the benchmark's own clock, the one the sender stamps send times with). With `subscriptions` > 1
 * it serves that many paths, one per subscription, and an event counts as arrived when the last
 * of its copies did. A body may be one event or, for a batched subscription, a JSON array of
 * events (what `verifyBatch` of wahook/consumer reads); each event of a batch arrived when the
 * batch did. Signatures are not checked: the subscriber's own cost stays out of the figures.
 */
export async function startSubscriber({ subscriptions = 1 } = {}) {
  const receivedAt = new Map();
  const copies = new Map();
  const counts = { requests: 0, batches: 0, events: 0, duplicates: 0, unreadable: 0 };
  const arrived = (path, messageId, at) => {
    const key = `${path} ${messageId}`;
    if (copies.has(key)) {
      counts.duplicates++;
      return;
    }
    copies.set(key, at);
    const seen = (copies.get(messageId) ?? 0) + 1;
    copies.set(messageId, seen);
    if (seen === subscriptions) receivedAt.set(messageId, at);
  };
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const at = performance.now();
      response.writeHead(200).end();
      counts.requests++;
      const events = readEvents(Buffer.concat(chunks));
      if (events === undefined) {
        counts.unreadable++;
        return;
      }
      if (Array.isArray(events)) counts.batches++;
      for (const event of [events].flat()) {
        counts.events++;
        const messageId = event?.type === 'message.status' ? event.data?.messageId : undefined;
        if (messageId === undefined) counts.unreadable++;
        else arrived(request.url, messageId, at);
      }
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const base = `http://127.0.0.1:${server.address().port}`;
  const urls = Array.from({ length: subscriptions }, (_, i) => `${base}/events/${i + 1}`);
  return {
    url: urls[0],
    urls,
    receivedAt,
    counts,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The body's event, or its array of events (a batch); undefined when it is not JSON. */
function readEvents(body) {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
