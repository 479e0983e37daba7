/**
 * Store port for outbound sends (POST /v1/messages) and the business context attached to wamids.
 *
 * Send states, and what moves them:
 * - `sending`: the row is written, the Graph API call is in flight (or the process died during it).
 * - `accepted`: Meta answered 200 with a wamid.
 * - `failed`: Meta answered an error; nothing was sent.
 * - `unknown`: the request left and no answer came (timeout, reset, 5xx): Meta may have accepted
 *   it. A status webhook whose `biz_opaque_callback_data` names the send moves it to `accepted`
 *   and adopts the wamid (ProcessingTx.settleSends).
 */
import type { StoredMessage } from './ports.js';

export const SEND_STATES = ['sending', 'accepted', 'failed', 'unknown'] as const;
export type SendState = (typeof SEND_STATES)[number];

export type BusinessMetadata = Record<string, unknown>;

/** Where an accepted send's statuses can stop short (src/send/stuck.ts judges it). */
export const STUCK_STAGES = ['sent', 'delivered'] as const;
export type StuckStage = (typeof STUCK_STAGES)[number];

export interface NewSend {
  id: string;
  idempotencyKey: string | null;
  /** Hash of what was asked (number, recipient, message), so a reused key with another request is refused. */
  requestHash: string;
  phoneNumberId: string;
  /** What the caller gave as `to` or `recipient`, byte for byte. */
  input: string;
  /** What went to Meta: E.164 with `+`, or the BSUID verbatim. */
  recipient: string;
  recipientKind: 'phone' | 'bsuid';
  messageType: string;
  message: unknown;
  metadata: BusinessMetadata | null;
  createdAt: number;
}

export interface SendRow extends NewSend {
  state: SendState;
  wamid: string | null;
  waId: string | null;
  userId: string | null;
  /** Meta's `message_status` (`accepted`, `held_for_quality_assessment`, `paused`) when it gave one. */
  messageStatus: string | null;
  /** Meta's error (and our explanation) for a failed or unknown send. */
  error: unknown;
  updatedAt: number;
  /** The stuck scan's last judgement: the stage this send is stuck at, and since when; null when not. */
  stuckStage: StuckStage | null;
  stuckAt: number | null;
}

/** One send's judgement by a stuck scan: a stage marks it stuck (since `now`), null clears it. */
export interface StuckJudgement {
  sendId: string;
  stage: StuckStage | null;
}

export interface SendOutcome {
  state: Exclude<SendState, 'sending'>;
  wamid?: string | null;
  waId?: string | null;
  userId?: string | null;
  messageStatus?: string | null;
  error?: unknown;
}

/** What is known of a wamid beyond its statuses: the send behind it and the business metadata. */
export interface MessageContext {
  wamid: string;
  metadata: BusinessMetadata | null;
  send: SendRow | null;
}

export interface SendStore {
  /** Inserts the send; with an idempotency key that exists, answers the first row instead (`created: false`). */
  createSend(send: NewSend): Promise<{ created: boolean; send: SendRow }>;
  getSend(id: string): Promise<SendRow | undefined>;
  getSendByIdempotencyKey(key: string): Promise<SendRow | undefined>;
  /** Records the outcome; an accepted send's wamid gets its context (metadata) in the same transaction. */
  finishSend(id: string, outcome: SendOutcome, now: number): Promise<SendRow | undefined>;
  getMessageContext(wamid: string): Promise<MessageContext | undefined>;
  /** Replaces the metadata of a wamid (its keys in the index with it). */
  putMessageMetadata(wamid: string, metadata: BusinessMetadata, now: number): Promise<void>;
  /** Wamids whose metadata has `key` = `value` (as text), in wamid order, after `afterWamid`. */
  findWamidsByMetadata(key: string, value: string, limit: number, afterWamid?: string): Promise<string[]>;
  /** Sends in these states created at or before `createdBefore`, oldest first. */
  listSends(options: {
    states: readonly SendState[];
    createdBefore: number;
    limit: number;
    afterId?: string;
  }): Promise<SendRow[]>;
  /**
   * The stuck scan's look-back: accepted sends created at or before `createdBefore`, in id order
   * after `afterId`, each with its message's status read by the same query.
   */
  listScanWindow(options: { createdBefore: number; afterId: string; limit: number }): Promise<ScannedSend[]>;
  /**
   * Sends that carry a stuck judgement and whose id sorts before `beforeId` (ids begin with the
   * creation time: the sends older than the scan's look-back), in (stuckAt, id) order after the
   * cursor, each with its message's status read by the same query. The scan starts the cursor at
   * its horizon (src/send/stuck.ts), so it reads the flags judged since, not all of them.
   */
  listFlaggedSends(options: {
    beforeId: string;
    after: { stuckAt: number; id: string };
    limit: number;
  }): Promise<ScannedSend[]>;
  /** Stores judgements of the stuck scan; a send whose judgement did not change need not be given. */
  setStuck(judgements: readonly StuckJudgement[], now: number): Promise<void>;
  /**
   * Sends judged stuck whose message has not moved past that stage since (no status at all for
   * `sent`; none of delivered, read, played, failed for `delivered`), newest judgement first,
   * before the cursor. Each comes with its message as stored, read by the same query.
   */
  listStuckSends(options: {
    limit: number;
    phoneNumberId?: string;
    before?: { stuckAt: number; id: string };
  }): Promise<StuckSend[]>;
}

/**
 * A send as the stuck scan reads it, with its message's current status: undefined while no status
 * has come, and once retention removed the message record.
 */
export interface ScannedSend {
  send: SendRow;
  status: string | undefined;
}

/** A send on the stuck list and its message record, undefined while no status has come. */
export interface StuckSend {
  send: SendRow;
  message: StoredMessage | undefined;
}

/** A send whose wamid a status webhook revealed: `biz_opaque_callback_data` named it. */
export interface SendSettlement {
  sendId: string;
  wamid: string;
  waId: string | null;
  userId: string | null;
}

/** What ProcessingTx adds for sends: context lookups and settling unknown sends, inside the batch's transaction. */
export interface SendProcessingTx {
  messageContexts(wamids: readonly string[]): Promise<Map<string, MessageContext>>;
  /** Adopts the wamid for sends still `sending`/`unknown` without one; answers the settled sends' contexts. */
  settleSends(settlements: readonly SendSettlement[], now: number): Promise<Map<string, MessageContext>>;
}

/** The opaque data wahook puts on every send, and how a status names the send back. */
export const OPAQUE_PREFIX = 'wahook:send:';

export function opaqueFor(sendId: string): string {
  return `${OPAQUE_PREFIX}${sendId}`;
}

export function sendIdFromOpaque(opaque: string | null | undefined): string | null {
  if (typeof opaque !== 'string' || !opaque.startsWith(OPAQUE_PREFIX)) return null;
  const id = opaque.slice(OPAQUE_PREFIX.length);
  return /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : null;
}

/** Metadata values as the index holds them: strings as they are, anything else as its JSON. */
export function metadataIndexEntries(metadata: BusinessMetadata): { key: string; value: string }[] {
  const entries: { key: string; value: string }[] = [];
  for (const [key, value] of Object.entries(metadata)) {
    if (value === null || value === undefined) continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    // Long values stay in the metadata but out of the index: nobody filters on a paragraph.
    if (key.length <= 128 && text.length <= 256) entries.push({ key, value: text });
  }
  return entries;
}
