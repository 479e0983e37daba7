import {
  mentionsPerson,
  redactPerson,
  searchNeedle,
  withoutMentions,
  withoutPerson,
} from '../../whatsapp/person-redaction.js';
import { sameSubscriberWaIds } from '../../whatsapp/recipient.js';
import type { ErasureCounts, PersonRef } from '../retention-ports.js';
import type { Dialect } from './sql-ops.js';

/**
 * Erasure of one person, written once over each adapter's few statements.
 *
 * Finding: each table is scanned in key order, a page at a time, for rows whose stored bytes
 * contain the identifier (the digits of a number, or the BSUID); a page costs one short query, so
 * an erasure on a large store never holds a connection (or SQLite's one thread) for long. Each hit
 * is then parsed and kept only when a JSON string in it names the person exactly (a longer number
 * that contains the digits is someone else's). Rows of the rejected-request log hold a prefix of a
 * body that was refused, often not whole JSON: a byte match is enough to delete them.
 *
 * Removing: one transaction deletes the matched events with their deliveries (and leaves dedupe
 * tombstones, so a retry of the same webhook does not bring the events back), the message records,
 * the log rows, the sends to the person (by each spelling of a Brazilian or Mexican number) with
 * the business metadata of their messages, and the answers of other deliveries that quoted them;
 * it rewrites the business metadata of other messages and sends that names them (a referral, a
 * second contact) without those fields, and the texts of sends to other people that give their
 * number with it replaced (both only over the text that was read: erasure-rewrites.ts redacts a
 * newer one instead of overwriting it); it deletes or rewrites the inbox rows (a body that still
 * holds other people keeps them and is marked redacted; erasure-inbox.ts, by the same rule) and
 * replaces the quarantine reasons that quote them; then it logs the counts and the kind of
 * identifier, never the value.
 */
export type ErasureTable =
  | 'events'
  | 'messages'
  | 'inbox'
  | 'inbox_errors'
  | 'requests'
  | 'sends'
  | 'attempt_answers'
  | 'delivery_errors'
  | 'contexts'
  | 'send_metadata'
  | 'send_messages';
export type RowKey = number | string;

export interface InboxRewrite {
  id: number;
  /** The body as the erasure read it: a rewrite is written only over these bytes. */
  previous: Buffer;
  /** The rewritten body, or null to delete the row. */
  body: Buffer | null;
}

export interface ErasurePlan {
  person: PersonRef;
  eventSeqs: number[];
  messageIds: string[];
  inbox: InboxRewrite[];
  /** Inbox rows whose quarantine reason holds the identifier (a reason quotes values of the body). */
  inboxErrorIds: number[];
  requestIds: number[];
  /** Sends to the person; their business metadata goes with them and with the message records. */
  sendIds: string[];
  /** Attempts (of deliveries that stay) whose recorded answer or error holds the identifier. */
  attemptIds: number[];
  /** Deliveries that stay whose last error holds the identifier. */
  deliveryIds: number[];
  /** Business metadata of other messages (by wamid) and sends (by id) that names the person, rewritten without them. */
  contextRewrites: ColumnRewrite[];
  sendMetadataRewrites: ColumnRewrite[];
  /** Messages of sends to other people whose text names the person, rewritten without the mentions. */
  sendMessageRewrites: ColumnRewrite[];
}

/** A JSON column of one row, to be written without the person. */
export interface ColumnRewrite {
  key: string;
  /** The column as the erasure read it: the rewrite is written only over this text. */
  previous: string;
  /** The column as JSON, without what named the person. */
  next: string;
}

/** undefined: the text does not name the person; else the text without them, as JSON. */
export type Redaction = (text: string | Buffer | undefined, person: PersonRef) => string | undefined;

export interface ErasureOps {
  /** The keys after `after` (null: from the start) in key order, `limit` of them, with which ones contain `needle`. */
  scanPage(
    table: ErasureTable,
    needle: string,
    after: RowKey | null,
    limit: number,
  ): Promise<{ last: RowKey | null; hits: RowKey[] }>;
  /** The stored text (events, messages, metadata) or bytes (inbox) of these rows. */
  readValues(
    table: 'events' | 'messages' | 'inbox' | 'contexts' | 'send_metadata' | 'send_messages',
    keys: readonly RowKey[],
  ): Promise<Map<RowKey, string | Buffer>>;
  /** Applies the plan in one transaction and logs it; answers the counts. */
  apply(plan: ErasurePlan, now: number): Promise<ErasureCounts>;
}

/** What a number typed by a person may have between its digits. */
const NUMBER_SEPARATORS = ' -().';

/**
 * The scan condition for a column of business metadata, or of the status events and message
 * records that carry it: metadata is typed by people, so a number in it may be spelled
 * `+49 151 1234 5678`. The column is searched as written (a BSUID) and with the separators a
 * number may have taken out; `p` is the needle's parameter.
 */
export function mentionsInAnySpelling(dialect: Dialect, column: string, p: string): string {
  const digits = dialect.withoutChars(column, NUMBER_SEPARATORS);
  return `${dialect.contains(column, p)} OR ${dialect.contains(digits, p)}`;
}

const PAGE_ROWS = 2_000;

export async function erasePersonWith(
  ops: ErasureOps,
  person: PersonRef,
  now: number,
): Promise<ErasureCounts> {
  const needle = searchNeedle(person);
  if (needle.length === 0) throw new Error('the identifier is empty');
  const found = async (table: ErasureTable, spelling = needle) => {
    const hits: RowKey[] = [];
    let after: RowKey | null = null;
    for (;;) {
      const page = await ops.scanPage(table, spelling, after, PAGE_ROWS);
      hits.push(...page.hits);
      if (page.last === null) return hits;
      after = page.last;
    }
  };
  // A send that failed has only the number as it was sent; Meta's wa_id for a Brazilian or
  // Mexican number can be spelled otherwise (without the 9, with 521), so each spelling is sought.
  const sends = async () => {
    const spellings = person.kind === 'wa_id' ? sameSubscriberWaIds(needle) : [needle];
    const ids = new Set<string>();
    for (const spelling of spellings) for (const id of await found('sends', spelling)) ids.add(String(id));
    return [...ids];
  };
  const names = (text: string | Buffer | undefined) => {
    if (text === undefined) return false;
    try {
      return mentionsPerson(JSON.parse(text.toString()), person);
    } catch {
      // Not JSON (a hand edit): the bytes matched, so it goes.
      return true;
    }
  };
  const matching = async (table: 'events' | 'messages') => {
    const keys = await found(table);
    const values = await ops.readValues(table, keys);
    return keys.filter((key) => names(values.get(key)));
  };
  const rewritten = async (table: 'contexts' | 'send_metadata' | 'send_messages', redact: Redaction) => {
    const keys = await found(table);
    const values = await ops.readValues(table, keys);
    const rewrites: ColumnRewrite[] = [];
    for (const key of keys) {
      const previous = values.get(key);
      const next = redact(previous, person);
      if (previous !== undefined && next !== undefined)
        rewrites.push({ key: String(key), previous: previous.toString(), next });
    }
    return rewrites;
  };
  const inboxKeys = await found('inbox');
  const bodies = await ops.readValues('inbox', inboxKeys);
  const inbox: InboxRewrite[] = [];
  for (const key of inboxKeys) {
    const previous = bodies.get(key);
    const rewrite = rewriteBody(previous, person);
    if (previous !== undefined && rewrite !== undefined)
      inbox.push({ id: Number(key), previous: Buffer.from(previous), body: rewrite });
  }
  return ops.apply(
    {
      person,
      eventSeqs: (await matching('events')).map(Number),
      messageIds: (await matching('messages')).map(String),
      inbox,
      inboxErrorIds: (await found('inbox_errors')).map(Number),
      requestIds: (await found('requests')).map(Number),
      sendIds: await sends(),
      attemptIds: (await found('attempt_answers')).map(Number),
      deliveryIds: (await found('delivery_errors')).map(Number),
      contextRewrites: await rewritten('contexts', rewriteMetadata),
      sendMetadataRewrites: await rewritten('send_metadata', rewriteMetadata),
      sendMessageRewrites: await rewritten('send_messages', rewriteMessage),
    },
    now,
  );
}

/** undefined: the body does not name the person; null: delete the row; else the new body. */
export function rewriteBody(body: string | Buffer | undefined, person: PersonRef): Buffer | null | undefined {
  if (body === undefined) return undefined;
  let document: unknown;
  try {
    document = JSON.parse(body.toString('utf8'));
  } catch {
    // A quarantined body that is not JSON cannot be cut apart; the identifier is in its bytes.
    return null;
  }
  if (!mentionsPerson(document, person)) return undefined;
  const rest = redactPerson(document, person);
  return rest === null ? null : Buffer.from(JSON.stringify(rest));
}

/** undefined: the metadata does not name the person; else the metadata without them, as JSON. */
export const rewriteMetadata: Redaction = (text, person) =>
  rewriteJson(text, (document) =>
    mentionsPerson(document, person) ? JSON.stringify(withoutPerson(document, person)) : undefined,
  );

/**
 * undefined: the message (of a send to someone else) does not mention the person; else the message
 * with each mention in its texts replaced (person-redaction.ts says what a mention is).
 */
export const rewriteMessage: Redaction = (text, person) =>
  rewriteJson(text, (document) => {
    const after = JSON.stringify(withoutMentions(document, person));
    return after === JSON.stringify(document) ? undefined : after;
  });

/** A JSON column through `rewrite`; text that is not JSON becomes `{}`. */
function rewriteJson(
  text: string | Buffer | undefined,
  rewrite: (document: unknown) => string | undefined,
): string | undefined {
  if (text === undefined) return undefined;
  let document: unknown;
  try {
    document = JSON.parse(text.toString());
  } catch {
    // Written by JSON.stringify, so a hand edit: the bytes matched, nothing of it can be kept.
    return '{}';
  }
  return rewrite(document);
}

export const NO_ERASURE: ErasureCounts = {
  messages: 0,
  events: 0,
  deliveries: 0,
  inbox_deleted: 0,
  inbox_redacted: 0,
  requests: 0,
  sends: 0,
  answers_redacted: 0,
  metadata_redacted: 0,
  inbox_errors_redacted: 0,
  send_messages_redacted: 0,
};

/** What stands where a quarantine reason that quoted an erased person was. */
export const ERASED_REASON = '[reason erased]';
