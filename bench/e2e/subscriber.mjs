import { createServer } from 'node:http';

/**
 * The business system at the end of the pipeline: a node:http server on 127.0.0.1 that answers 200
 * at once and notes, per wamid, when its `message.status` event arrived (the whole body read, on
 * the benchmark's own clock, the one the sender stamps send times with).
 */
export async function startSubscriber() {
  const receivedAt = new Map();
  const counts = { requests: 0, duplicates: 0, unreadable: 0 };
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const at = performance.now();
      response.writeHead(200).end();
      counts.requests++;
      const messageId = readMessageId(Buffer.concat(chunks));
      if (messageId === undefined) counts.unreadable++;
      else if (receivedAt.has(messageId)) counts.duplicates++;
      else receivedAt.set(messageId, at);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}/events`,
    receivedAt,
    counts,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readMessageId(body) {
  try {
    const event = JSON.parse(body.toString('utf8'));
    return event.type === 'message.status' ? event.data?.messageId : undefined;
  } catch {
    return undefined;
  }
}
