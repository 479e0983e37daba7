import {
  mentionsPerson,
  redactPerson,
  searchNeedle,
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
 * the business metadata of their messages, the answers of other deliveries that quoted them, rewrites the business metadata of other messages and sends
 * that names them (a referral, a second contact) without those fields, and deletes
 * or rewrites the inbox rows (a body that still holds other people keeps
 * them and is marked redacted), then logs the counts and the kind of identifier, never the value.
 */
export type ErasureTable =
  | 'events'
  | 'messages'
  | 'inbox'
  | 'requests'
  | 'sends'
  | 'attempt_answers'
  | 'delivery_errors'
  | 'contexts'
  | 'send_metadata';
export type RowKey = number | string;

export interface InboxRewrite {
  id: number;
  /** The rewritten body, or null to delete the row. */
  body: Buffer | null;
}

export interface ErasurePlan {
  person: PersonRef;
  eventSeqs: number[];
  messageIds: string[];
  inbox: InboxRewrite[];
  requestIds: number[];
  /** Sends to the person; their business metadata goes with them and with the message records. */
  sendIds: string[];
  /** Attempts (of deliveries that stay) whose recorded answer or error holds the identifier. */
  attemptIds: number[];
  /** Deliveries that stay whose last error holds the identifier. */
  deliveryIds: number[];
  /** Business metadata of other messages (by wamid) and sends (by id) that names the person, rewritten without them. */
  contextRewrites: MetadataRewrite[];
  sendMetadataRewrites: MetadataRewrite[];
}

export interface MetadataRewrite {
  key: string;
  /** The metadata as JSON, without the fields and items that named the person. */
  metadata: string;
}

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
    table: 'events' | 'messages' | 'inbox' | 'contexts' | 'send_metadata',
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
  const rewritten = async (table: 'contexts' | 'send_metadata') => {
    const keys = await found(table);
    const values = await ops.readValues(table, keys);
    const rewrites: MetadataRewrite[] = [];
    for (const key of keys) {
      const metadata = rewriteMetadata(values.get(key), person);
      if (metadata !== undefined) rewrites.push({ key: String(key), metadata });
    }
    return rewrites;
  };
  const inboxKeys = await found('inbox');
  const bodies = await ops.readValues('inbox', inboxKeys);
  const inbox: InboxRewrite[] = [];
  for (const key of inboxKeys) {
    const rewrite = rewriteBody(bodies.get(key), person);
    if (rewrite !== undefined) inbox.push({ id: Number(key), body: rewrite });
  }
  return ops.apply(
    {
      person,
      eventSeqs: (await matching('events')).map(Number),
      messageIds: (await matching('messages')).map(String),
      inbox,
      requestIds: (await found('requests')).map(Number),
      sendIds: await sends(),
      attemptIds: (await found('attempt_answers')).map(Number),
      deliveryIds: (await found('delivery_errors')).map(Number),
      contextRewrites: await rewritten('contexts'),
      sendMetadataRewrites: await rewritten('send_metadata'),
    },
    now,
  );
}

/** undefined: the body does not name the person; null: delete the row; else the new body. */
function rewriteBody(body: string | Buffer | undefined, person: PersonRef): Buffer | null | undefined {
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
function rewriteMetadata(text: string | Buffer | undefined, person: PersonRef): string | undefined {
  if (text === undefined) return undefined;
  let document: unknown;
  try {
    document = JSON.parse(text.toString());
  } catch {
    // Written by JSON.stringify, so a hand edit: the bytes matched, nothing of it can be kept.
    return '{}';
  }
  if (!mentionsPerson(document, person)) return undefined;
  return JSON.stringify(withoutPerson(document, person));
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
};
