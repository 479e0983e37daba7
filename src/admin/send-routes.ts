import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { WahookError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { MAX_METADATA_BYTES } from '../send/send-request.js';
import { answerFor, type Sender, sendJson } from '../send/sender.js';
import type { SendStore } from '../store/send-ports.js';

/**
 * Sending and business context: POST /v1/messages (send through the Graph API), GET
 * /v1/sends/{id} (one send, also before it has a wamid), PUT /v1/messages/{wamid}/metadata
 * (context for a message sent elsewhere).
 */
const metadataBody = z.record(z.string().min(1).max(128), z.unknown());

export function sendRoutes(deps: { sender: Sender; store: SendStore; clock: Clock }): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.post('/v1/messages', async (request, reply) => {
      const answer = await deps.sender.send(request.body ?? {});
      if (answer.retryAfter !== undefined) reply.header('retry-after', String(answer.retryAfter));
      return reply.code(answer.status).send(answer.body);
    });

    app.get('/v1/sends/:id', async (request) => {
      const { id } = request.params as { id: string };
      const send = id.length <= 64 ? await deps.store.getSend(id) : undefined;
      if (!send) throw new WahookError('not_found', `no send ${id}`);
      const answer = answerFor(send);
      return { ...sendJson(send), ...(send.error && answer.status !== 202 ? { failure: answer.body } : {}) };
    });

    app.put('/v1/messages/:wamid/metadata', async (request) => {
      const { wamid } = request.params as { wamid: string };
      if (wamid.length === 0 || wamid.length > 512)
        throw new WahookError('bad_request', 'the wamid is 1 to 512 characters');
      const parsed = metadataBody.safeParse(request.body);
      if (!parsed.success)
        throw new WahookError(
          'bad_request',
          'the body is the metadata: a JSON object, e.g. {"guest_id":"g-17"}',
        );
      if (Buffer.byteLength(JSON.stringify(parsed.data)) > MAX_METADATA_BYTES)
        throw new WahookError('bad_request', `metadata is over ${MAX_METADATA_BYTES} bytes as JSON`);
      await deps.store.putMessageMetadata(wamid, parsed.data, deps.clock.now());
      return { id: wamid, metadata: parsed.data };
    });
  };
}
