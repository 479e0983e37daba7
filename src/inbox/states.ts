/**
 * The inbox row and its state machine. A leaf module (it imports nothing of ours but lib/): the
 * store ports, the receiver, the worker and the admin API all speak of inbox rows through it.
 *
 * - **pending**: written by the receiver's commit, waiting for a worker. A worker that claims it
 *   takes a lease (`lease_owner`, `lease_until`); the lease is not a state: if the worker dies, the
 *   lease runs out and any worker may claim the row again, so a crash costs a retry, never a row.
 * - **processed**: its events, message records and deliveries were written in the transaction that
 *   finished it. Final (retention purges it later).
 * - **quarantined**: it cannot be processed as it is (it does not parse, it touches a record this
 *   version cannot read, or processing it alone threw on MAX_ATTEMPTS claims); the reason is kept.
 *   An operator's reprocess puts it back to pending, after a fix or an upgrade.
 *
 * The SQL repeats each `from` state in its WHERE clause (`state = 'pending'` and the lease owner
 * for a finish, `state = 'quarantined'` for a reprocess), so a stale worker changes nothing.
 */
import { escapeControlCharacters } from '../lib/control-characters.js';
import type { Transition } from '../lib/state-machine.js';

/** What ① receive hands to ② inbox for one accepted request. */
export interface InboxAppend {
  /** Milliseconds since the epoch, when the request was read. */
  receivedAt: number;
  /** `meta` for signed Cloud API traffic, or a configured header-auth source name. */
  source: string;
  /** How the request was authenticated: `hmac` (signature verified) or `header` (secret header). */
  auth: 'hmac' | 'header';
  contentType: string | null;
  /** A few headers kept for forensics (user-agent, content-encoding…); never secrets. */
  headers: Record<string, string>;
  body: Buffer;
}

export const INBOX_STATES = ['pending', 'processed', 'quarantined'] as const;
export type InboxState = (typeof INBOX_STATES)[number];

export interface InboxRow extends InboxAppend {
  id: number;
  state: InboxState;
  attempts: number;
  error: string | null;
  processedAt: number | null;
}

export const INBOX_EVENTS = [
  'claimed',
  'lease_expired',
  'events_written',
  'unprocessable',
  'failed_too_often',
  'reprocessed',
] as const;
export type InboxEvent = (typeof INBOX_EVENTS)[number];

export const INBOX_TRANSITIONS: readonly Transition<InboxState, InboxEvent>[] = [
  { from: 'pending', on: 'claimed', to: 'pending', why: 'a worker leases it; the lease is a column' },
  { from: 'pending', on: 'lease_expired', to: 'pending', why: 'the worker died mid-batch; claimable again' },
  {
    from: 'pending',
    on: 'events_written',
    to: 'processed',
    why: 'its events, records and deliveries are in the same transaction',
  },
  {
    from: 'pending',
    on: 'unprocessable',
    to: 'quarantined',
    why: 'it does not parse, or touches a record this version cannot read; retrying cannot help',
  },
  {
    from: 'pending',
    on: 'failed_too_often',
    to: 'quarantined',
    why: 'processing it alone threw on MAX_ATTEMPTS claims',
  },
  { from: 'quarantined', on: 'reprocessed', to: 'pending', why: 'an operator asks again after a fix' },
];

/** Claims of one row before a row that keeps failing is quarantined instead of retried. */
export const MAX_ATTEMPTS = 5;

/** The quarantine policy: whether a row whose processing threw on its own is quarantined, not retried. */
export function quarantinesAfterFailure(attempts: number): boolean {
  return attempts >= MAX_ATTEMPTS;
}

/** The reason kept with a row quarantined by that policy. */
export function repeatedFailureReason(attempts: number, error: string): string {
  return escapeControlCharacters(`processing failed ${attempts} times: ${error}`).slice(0, 1000);
}
