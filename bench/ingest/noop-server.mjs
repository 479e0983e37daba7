/**
 * The ceiling for the ingest benchmark: the same Fastify, the same raw-buffer content-type parser on
 * the same path, answering 200 and storing nothing. Whatever wahook's receiver costs beyond this
 * (HMAC, the inbox append, the wait for the fsync) is the price of durability.
 * Listens on 127.0.0.1:$PORT.
 */
import Fastify from 'fastify';

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('noop-server: set PORT to the port to listen on\n');
  process.exit(2);
}

const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
app.get('/healthz', async () => ({ status: 'ok' }));
await app.register(async (webhook) => {
  webhook.removeAllContentTypeParsers();
  webhook.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 8 * 1024 * 1024 }, (_req, body, done) => {
    done(null, body);
  });
  webhook.post('/webhooks/whatsapp', async (_request, reply) => reply.code(200).send());
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    app.close().then(() => process.exit(0));
  });
}
await app.listen({ host: '127.0.0.1', port });
