import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HeaderAuthSource } from '../config/settings.js';
import {
  httpAnswer,
  toWahookError,
  WahookError,
  WEBHOOK_REJECTIONS,
  type WebhookRejection,
} from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { secureEqual } from '../lib/secure-compare.js';
import type { Bus } from '../observe/bus.js';
import type { InboxAppend } from '../store/ports.js';
import { signatureHints } from './forensics.js';
import type { RejectedRecorder } from './rejected-recorder.js';
import { bodyShape, redactHeaders } from './rejected-redaction.js';
import { verifyMetaSignature } from './signature.js';

/**
 * ① receive: the only code on the ack path. Raw bytes in, authenticate, append to the inbox (group
 * commit), 200 once durable. No JSON parsing, no lookups, no per-request logging above debug.
 * Signed bodies are stored whatever they contain: a body we cannot parse is quarantined later, never
 * dropped here.
 */
export interface WebhookRouteOptions {
  appSecrets: readonly string[];
  verifyToken: string;
  headerAuth: readonly HeaderAuthSource[];
  maxBodyBytes: number;
  inbox: { append(row: InboxAppend): Promise<number> };
  rejected: RejectedRecorder;
  bus: Bus;
  clock: Clock;
}

export const WEBHOOK_PATH = '/webhooks/whatsapp';
const BODY_PREFIX_BYTES = 2048;
const EMPTY = Buffer.alloc(0);

export async function webhookRoutes(app: FastifyInstance, options: WebhookRouteOptions): Promise<void> {
  // The raw-buffer parser lives only in this plugin: HMAC needs the bytes exactly as sent, and a
  // signed body of any content type is stored rather than refused.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: options.maxBodyBytes },
    (_req, body, done) => {
      done(null, body);
    },
  );

  /** Keeps a refused request in the request log (redacted) and counts it. */
  const recordRejection = (request: FastifyRequest, status: number, reason: string, hints: string[]) => {
    const body = Buffer.isBuffer(request.body) ? request.body : EMPTY;
    options.rejected.record({
      receivedAt: options.clock.now(),
      method: request.method,
      path: request.url.split('?')[0] ?? request.url,
      status,
      reason,
      hints,
      headers: redactHeaders(request.headers),
      bodyPrefix: bodyShape(body, BODY_PREFIX_BYTES),
      bodyBytes: body.length,
      remoteAddress: request.ip ?? null,
    });
    options.bus.emit('webhook:rejected', { status, reason, source: sourceOf(request) });
  };

  /** Refuses with a reason of WEBHOOK_REJECTIONS; `hints` carry what the forensics found. */
  const reject = (
    request: FastifyRequest,
    reply: FastifyReply,
    reason: WebhookRejection,
    hints: string[],
  ) => {
    const { http, message } = WEBHOOK_REJECTIONS[reason];
    recordRejection(request, http, reason, hints);
    return reply.code(http).send({ error: reason, message, hints });
  };

  // Errors before a handler runs (a body over the limit, a bad Content-Length) are answered by the
  // app's one error handler; they are kept in the request log here, under the code it answers.
  app.addHook('onError', async (request, _reply, error) => {
    const err = toWahookError(error);
    // Refused because the server is stopping: not a fault of the receiver, nor a refused webhook.
    if (err.code === 'shutting_down') return;
    if (err.httpStatus >= 500) options.bus.emit('loop:error', { loop: 'receive', error: error.message });
    const hints =
      err.code === 'body_too_large'
        ? [`the limit is ${options.maxBodyBytes} bytes (WAHOOK_MAX_BODY_BYTES); Meta sends up to 3 MB`]
        : [];
    recordRejection(request, err.httpStatus, err.code, hints);
  });

  const accept = async (
    request: FastifyRequest,
    reply: FastifyReply,
    source: string,
    auth: 'hmac' | 'header',
  ) => {
    const started = performance.now();
    const body = Buffer.isBuffer(request.body) ? request.body : EMPTY;
    try {
      await options.inbox.append({
        receivedAt: options.clock.now(),
        source,
        auth,
        contentType: request.headers['content-type'] ?? null,
        headers: keptHeaders(request),
        body,
      });
    } catch (err) {
      options.bus.emit('webhook:store_failed', { error: (err as Error).message });
      const answer = httpAnswer(new WahookError('store_unavailable', 'the request could not be stored'));
      return reply.code(answer.status).headers(answer.headers).send(answer.body);
    }
    const ackMs = performance.now() - started;
    // The 200 goes out first: the bus's listeners (metrics, logs, the dashboard) must not delay it.
    reply.code(200).send();
    options.bus.emit('webhook:accepted', { source, bytes: body.length, ackMs });
    return reply;
  };

  const handshake = async (request: FastifyRequest, reply: FastifyReply) => {
    const query = request.query as Record<string, string | string[] | undefined>;
    const mode = query['hub.mode'];
    const token = query['hub.verify_token'];
    const challenge = query['hub.challenge'];
    if (typeof token !== 'string' || !secureEqual(token, options.verifyToken)) {
      return reject(request, reply, 'verify_token_mismatch', []);
    }
    if (mode !== 'subscribe' || typeof challenge !== 'string') {
      return reject(request, reply, 'handshake_malformed', []);
    }
    return reply.code(200).type('text/plain; charset=utf-8').send(challenge);
  };

  app.get(WEBHOOK_PATH, handshake);
  app.get(`${WEBHOOK_PATH}/:source`, handshake);

  const receiveSigned = async (request: FastifyRequest, reply: FastifyReply) => {
    const body = Buffer.isBuffer(request.body) ? request.body : EMPTY;
    const header = request.headers['x-hub-signature-256'];
    const verdict = verifyMetaSignature(
      body,
      typeof header === 'string' ? header : undefined,
      options.appSecrets,
    );
    if (!verdict.ok) {
      const hints = verdict.reason === 'signature_mismatch' ? signatureHints(body, request.headers) : [];
      return reject(request, reply, verdict.reason, hints);
    }
    return accept(request, reply, 'meta', 'hmac');
  };
  app.post(WEBHOOK_PATH, receiveSigned);
  // A callback URL pasted with a trailing slash passes the handshake (the GET above matches it), so
  // its deliveries must be received too rather than refused as an unknown header-auth source.
  app.post(`${WEBHOOK_PATH}/`, receiveSigned);

  const sources = new Map(options.headerAuth.map((source) => [source.source, source]));
  app.post(`${WEBHOOK_PATH}/:source`, async (request, reply) => {
    const name = (request.params as { source: string }).source;
    const source = sources.get(name);
    if (!source) return reject(request, reply, 'unknown_source', []);
    const value = request.headers[source.header];
    if (typeof value !== 'string') return reject(request, reply, 'auth_header_missing', []);
    if (!secureEqual(value, source.secret)) return reject(request, reply, 'auth_header_mismatch', []);
    return accept(request, reply, source.source, 'header');
  });
}

function sourceOf(request: FastifyRequest): string {
  return (request.params as { source?: string } | undefined)?.source ?? 'meta';
}

const KEPT_HEADERS = ['user-agent', 'content-encoding', 'x-forwarded-for', 'x-request-id'] as const;

/** A few headers that help later forensics; authentication headers are never kept. */
function keptHeaders(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = request.headers[name];
    if (typeof value === 'string') out[name] = value.slice(0, 256);
  }
  return out;
}
