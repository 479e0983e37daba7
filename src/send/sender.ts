/**
 * POST /v1/messages behind the route: normalize, pace, store, call the Graph API, record, answer.
 *
 * Never twice: with an idempotency key the row is inserted before the call, and the unique index
 * decides which of several concurrent retries sends; the others wait for that one's outcome (in
 * this process on its promise, across processes by reading the row) and answer it. A retry whose
 * key names a different request is refused.
 *
 * Never lost: the row exists before the request leaves, carrying our id in
 * `biz_opaque_callback_data`. When no usable answer comes back, the row is `unknown`; the status
 * webhook that names it settles it (ProcessingTx.settleSends).
 *
 * Pacing: a token bucket per business number at WAHOOK_SEND_THROUGHPUT (a short wait, not a
 * refusal), and one per (number, recipient) at Meta's pair rate (§5: a burst of 45, then one per
 * 6 s), which answers 503 with Retry-After instead of asking Meta and getting 131056.
 */

import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Agent } from 'undici';
import { ERROR_CODES, type ErrorCode, WahookError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { KeyedBuckets } from '../lib/token-bucket.js';
import type { Bus } from '../observe/bus.js';
import { opaqueFor, type SendRow, type SendStore } from '../store/send-ports.js';
import { createGraphAgent, type GraphResult, type GraphTarget, postMessage } from './graph-client.js';
import { classifyMetaError } from './retry-class.js';
import { graphBody, type PreparedSend, prepareSend } from './send-request.js';

export interface SenderOptions {
  store: SendStore;
  clock: Clock;
  bus: Bus;
  /** Null when no access token is configured: sends answer send_not_configured. */
  target: GraphTarget | null;
  defaultRegion?: string | undefined;
  throughput: number;
  pairBurst?: number;
  pairPerSecond?: number;
}

export interface SendAnswer {
  status: number;
  body: Record<string, unknown>;
  retryAfter?: number;
}

/** Longest a send waits for a throughput token before answering 503. */
const MAX_PACING_WAIT_MS = 2_000;

export class Sender {
  private readonly inFlight = new Map<string, Promise<SendRow>>();
  private readonly numbers: KeyedBuckets;
  private readonly pairs: KeyedBuckets;
  private readonly agent: Agent = createGraphAgent();

  constructor(private readonly options: SenderOptions) {
    this.numbers = new KeyedBuckets(options.throughput, options.throughput, options.clock);
    this.pairs = new KeyedBuckets(options.pairBurst ?? 45, options.pairPerSecond ?? 1 / 6, options.clock);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  async send(input: unknown): Promise<SendAnswer> {
    const prepared = prepareSend(input, this.options.defaultRegion);
    const target = this.options.target;
    if (target === null)
      throw new WahookError(
        'send_not_configured',
        'sending is not configured: WAHOOK_GRAPH_ACCESS_TOKEN is not set',
      );
    if (prepared.idempotencyKey !== null) {
      const existing = await this.options.store.getSendByIdempotencyKey(prepared.idempotencyKey);
      if (existing) return this.replay(existing, prepared);
    }
    const throttled = await this.pace(prepared);
    if (throttled) return throttled;
    const now = this.options.clock.now();
    const { created, send } = await this.options.store.createSend({
      id: newSendId(now),
      idempotencyKey: prepared.idempotencyKey,
      requestHash: prepared.requestHash,
      phoneNumberId: prepared.phoneNumberId,
      input: prepared.recipient.input,
      recipient: prepared.recipient.kind === 'phone' ? prepared.recipient.e164 : prepared.recipient.userId,
      recipientKind: prepared.recipient.kind,
      messageType: prepared.messageType,
      message: prepared.message,
      metadata: prepared.metadata,
      createdAt: now,
    });
    if (!created) return this.replay(send, prepared);
    const work = this.call(target, send, prepared);
    if (prepared.idempotencyKey !== null) {
      const key = prepared.idempotencyKey;
      this.inFlight.set(key, work);
      void work.finally(() => this.inFlight.delete(key)).catch(() => undefined);
    }
    return answerFor(await work);
  }

  private async call(target: GraphTarget, send: SendRow, prepared: PreparedSend): Promise<SendRow> {
    const started = performance.now();
    const result = await postMessage(
      target,
      send.phoneNumberId,
      graphBody(prepared, opaqueFor(send.id)),
      this.agent,
    );
    const graphMs = performance.now() - started;
    const finished = await this.options.store.finishSend(
      send.id,
      outcomeOf(result),
      this.options.clock.now(),
    );
    const row = finished ?? send;
    this.options.bus.emit('send:done', { outcome: row.state, graphMs });
    return row;
  }

  /** The first result for a reused idempotency key; waits while that first send is still in flight. */
  private async replay(existing: SendRow, prepared: PreparedSend): Promise<SendAnswer> {
    if (existing.requestHash !== prepared.requestHash) {
      throw new WahookError(
        'idempotency_conflict',
        `idempotency_key "${prepared.idempotencyKey}" was used for a different request (send ${existing.id})`,
      );
    }
    let row = existing;
    if (row.state === 'sending') {
      const local = this.inFlight.get(prepared.idempotencyKey ?? '');
      row = local ? await local : await this.waitForOutcome(row);
    }
    this.options.bus.emit('send:done', { outcome: 'replayed', graphMs: null });
    return answerFor(row, true);
  }

  /** Another process holds the send: read the row until it has an outcome or the Graph timeout passes. */
  private async waitForOutcome(row: SendRow): Promise<SendRow> {
    const deadline = Date.now() + (this.options.target?.timeoutMs ?? 15_000) + 2_000;
    let current = row;
    while (current.state === 'sending' && Date.now() < deadline) {
      await sleep(50);
      current = (await this.options.store.getSend(row.id)) ?? current;
    }
    return current;
  }

  private async pace(prepared: PreparedSend): Promise<SendAnswer | undefined> {
    const user = prepared.recipient.kind === 'phone' ? prepared.recipient.e164 : prepared.recipient.userId;
    const pair = this.pairs.get(`${prepared.phoneNumberId}/${user}`);
    const pairWait = pair.waitMs();
    if (pairWait > 0) return throttledAnswer('the pair rate of one business number to one user', pairWait);
    const number = this.numbers.get(prepared.phoneNumberId);
    const started = Date.now();
    while (!number.take()) {
      const wait = number.waitMs();
      if (Date.now() - started + wait > MAX_PACING_WAIT_MS)
        return throttledAnswer(`the throughput of number ${prepared.phoneNumberId}`, wait);
      await sleep(Math.max(1, wait));
    }
    pair.take();
    return undefined;
  }
}

function throttledAnswer(what: string, waitMs: number): SendAnswer {
  const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
  const code: ErrorCode = 'send_throttled';
  return {
    status: ERROR_CODES[code].http,
    retryAfter,
    body: {
      error: code,
      message: `not sent: it would go over ${what} (whatsapp-sending limits); nothing was stored or sent`,
      hint: ERROR_CODES[code].hint,
      retry: 'wait',
    },
  };
}

function outcomeOf(result: GraphResult) {
  switch (result.kind) {
    case 'accepted':
      return {
        state: 'accepted' as const,
        wamid: result.wamid,
        waId: result.waId,
        userId: result.userId,
        messageStatus: result.messageStatus,
      };
    case 'refused': {
      const failure = classifyMetaError(result.error, result.httpStatus);
      return {
        state: 'failed' as const,
        error: { kind: 'refused', httpStatus: result.httpStatus, meta: result.error, ...failure },
      };
    }
    case 'ambiguous':
      return { state: 'unknown' as const, error: { kind: 'ambiguous', reason: result.reason } };
    case 'unreachable':
      return { state: 'failed' as const, error: { kind: 'unreachable', reason: result.reason } };
  }
}

/** The answer for a send row: 202 for accepted and unknown, the classified error for a failure. */
export function answerFor(row: SendRow, replayed = false): SendAnswer {
  const base = sendJson(row);
  if (replayed) base.replayed = true;
  if (row.state === 'accepted' || row.state === 'unknown' || row.state === 'sending') {
    if (row.state === 'unknown') {
      base.explanation =
        'The Graph API did not answer in time after the request left, so WhatsApp may have the message. wahook keeps it as unknown and settles it when a status webhook names this send; do not send it again.';
    }
    return { status: 202, body: base };
  }
  const error = (row.error ?? {}) as {
    kind?: string;
    meta?: {
      code: number;
      title: string | null;
      message: string | null;
      details: string | null;
      fbtraceId: string | null;
    };
    code?: ErrorCode;
    retry?: string;
    retryAfter?: number | null;
    explanation?: string;
    reason?: string;
  };
  if (error.kind === 'refused' && error.meta && error.code) {
    const code = error.code;
    return {
      status: ERROR_CODES[code].http,
      ...(error.retryAfter ? { retryAfter: error.retryAfter } : {}),
      body: {
        error: code,
        message: `WhatsApp refused the send: ${error.meta.message ?? `error ${error.meta.code}`}`,
        hint: ERROR_CODES[code].hint,
        ...base,
        whatsapp_error: {
          code: error.meta.code,
          title: error.meta.title,
          message: error.meta.message,
          details: error.meta.details,
          fbtrace_id: error.meta.fbtraceId,
        },
        explanation: error.explanation,
        retry: error.retry,
      },
    };
  }
  return {
    status: ERROR_CODES.send_unavailable.http,
    retryAfter: 5,
    body: {
      error: 'send_unavailable',
      message: `the Graph API could not be reached, so nothing was sent (${error.reason ?? 'no connection'})`,
      hint: ERROR_CODES.send_unavailable.hint,
      ...base,
      retry: 'retry',
    },
  };
}

/** A send as the API shows it. */
export function sendJson(row: SendRow): Record<string, unknown> {
  return {
    id: row.id,
    wamid: row.wamid,
    phone_number_id: row.phoneNumberId,
    to: row.recipient,
    input: row.input,
    ...(row.recipientKind === 'bsuid' ? { user_id: row.userId ?? row.recipient } : { wa_id: row.waId }),
    status: row.state,
    ...(row.messageStatus && row.messageStatus !== 'accepted' ? { message_status: row.messageStatus } : {}),
    metadata: row.metadata,
    idempotency_key: row.idempotencyKey,
    created_at: new Date(row.createdAt).toISOString(),
  };
}

/** Time-ordered ids: `snd_` + the creation time in base 36 + random, so listing by id is listing by age. */
function newSendId(now: number): string {
  return `snd_${now.toString(36).padStart(9, '0')}${randomBytes(8).toString('hex')}`;
}
