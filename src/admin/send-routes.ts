import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { WahookError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { describeSendIssues, MAX_METADATA_BYTES, sendBodySchema } from '../send/send-request.js';
import { answerFor, type Sender, sendJson } from '../send/sender.js';
import type { SendStore } from '../store/send-ports.js';
import { absentBodyAsEmpty, refusedAs, successBody } from './route-schemas.js';

/**
 * Sending and business context: POST /v1/messages (send through the Graph API), GET
 * /v1/sends/{id} (one send, also before it has a wamid), PUT /v1/messages/{wamid}/metadata
 * (context for a message sent elsewhere).
 */
const metadataBody = z.record(z.string().min(1).max(128), z.unknown());

const schemas = {
  send: {
    summary: 'Sends a message through the Graph API',
    description:
      "Give exactly one of `to` (a phone number) and `recipient` (a BSUID). `message` is a Cloud API message without its recipient; Meta's errors are answered explained.",
    tags: ['sending'],
    body: absentBodyAsEmpty(sendBodySchema),
    response: { 202: successBody('the send, `status: "accepted"`; its `wamid` once the Graph API gave one') },
  },
  oneSend: {
    summary: 'One send, also before it has a wamid',
    tags: ['sending'],
    params: z.object({ id: z.string().meta({ description: 'the send id (`snd_…`)' }) }),
    response: { 200: successBody('the send, and its `failure` when it failed') },
  },
  metadata: {
    summary: 'Attaches business context to a message (one sent elsewhere too)',
    tags: ['sending'],
    params: z.object({ wamid: z.string().min(1).max(512, 'the wamid is 1 to 512 characters') }),
    body: metadataBody,
    response: { 200: successBody('`{"id": "<wamid>", "metadata": {…}}`') },
  },
};

const sendRefused = refusedAs((issues) => describeSendIssues(issues));
const metadataRefused = refusedAs((_issues, part, standard) =>
  part === 'body' ? 'the body is the metadata: a JSON object, e.g. {"guest_id":"g-17"}' : standard,
);

export function sendRoutes(deps: { sender: Sender; store: SendStore; clock: Clock }): FastifyPluginAsync {
  return async (plain: FastifyInstance) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    app.post(
      '/v1/messages',
      { schema: schemas.send, schemaErrorFormatter: sendRefused },
      async (request, reply) => {
        const answer = await deps.sender.send(request.body);
        if (answer.retryAfter !== undefined) reply.header('retry-after', String(answer.retryAfter));
        // The sender picks the status: 202, or the registry's for a send that failed (the schema
        // names only the success; the failures keep Meta's explanation beside the registry's fields).
        return (reply as FastifyReply).code(answer.status).send(answer.body);
      },
    );

    app.get('/v1/sends/:id', { schema: schemas.oneSend }, async (request) => {
      const { id } = request.params;
      const send = id.length <= 64 ? await deps.store.getSend(id) : undefined;
      if (!send) throw new WahookError('not_found', `no send ${id}`);
      const answer = answerFor(send);
      return { ...sendJson(send), ...(send.error && answer.status !== 202 ? { failure: answer.body } : {}) };
    });

    app.put(
      '/v1/messages/:wamid/metadata',
      { schema: schemas.metadata, schemaErrorFormatter: metadataRefused },
      async (request) => {
        const { wamid } = request.params;
        const metadata = request.body;
        // Its size as JSON is no keyword of a schema.
        if (Buffer.byteLength(JSON.stringify(metadata)) > MAX_METADATA_BYTES)
          throw new WahookError('bad_request', `metadata is over ${MAX_METADATA_BYTES} bytes as JSON`);
        await deps.store.putMessageMetadata(wamid, metadata, deps.clock.now());
        return { id: wamid, metadata };
      },
    );
  };
}
