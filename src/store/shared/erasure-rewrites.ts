import { WahookError } from '../../errors.js';
import type { BusinessMetadata } from '../send-ports.js';
import {
  type ColumnRewrite,
  type ErasurePlan,
  type Redaction,
  rewriteMessage,
  rewriteMetadata,
} from './erasure.js';
import { indexMetadata } from './sends.js';
import type { SqlOps } from './sql-ops.js';

/**
 * Part of an erasure (see erasure.ts), inside its transaction, after eraseSendsAndContext: the
 * JSON of rows that stay, rewritten without the person: the business metadata of messages (with
 * the wamid's index entries) and sends, and the messages of sends to other people that mention
 * them.
 *
 * The erasure read these before its transaction, and `PUT /v1/messages/{wamid}/metadata` may have
 * replaced the metadata since. So each rewrite is a compare-and-set on the text that was read:
 * when it changes no row, the row is read again, locked, and the new text is redacted instead (or
 * left alone when it no longer names the person, or is gone). The lock makes the second try the
 * last one; the bound only keeps a broken invariant from looping.
 */
const REWRITE_TRIES = 3;

interface RewriteTarget {
  table: 'message_context' | 'sends';
  key: 'wamid' | 'id';
  column: 'metadata' | 'message';
  redact: Redaction;
}

const CONTEXT_METADATA: RewriteTarget = {
  table: 'message_context',
  key: 'wamid',
  column: 'metadata',
  redact: rewriteMetadata,
};
const SEND_METADATA: RewriteTarget = {
  table: 'sends',
  key: 'id',
  column: 'metadata',
  redact: rewriteMetadata,
};
const SEND_MESSAGE: RewriteTarget = { table: 'sends', key: 'id', column: 'message', redact: rewriteMessage };

/** Answers the rows rewritten: business metadata, and messages of sends. */
export async function redactRewrites(
  ops: SqlOps,
  plan: Pick<ErasurePlan, 'person' | 'contextRewrites' | 'sendMetadataRewrites' | 'sendMessageRewrites'>,
): Promise<{ metadata: number; messages: number }> {
  let metadata = 0;
  for (const rewrite of plan.contextRewrites) {
    const written = await rewriteUnlessChanged(ops, CONTEXT_METADATA, rewrite, plan.person);
    if (written === undefined) continue;
    metadata += 1;
    await indexMetadata(ops, rewrite.key, JSON.parse(written) as BusinessMetadata);
  }
  for (const rewrite of plan.sendMetadataRewrites)
    if ((await rewriteUnlessChanged(ops, SEND_METADATA, rewrite, plan.person)) !== undefined) metadata += 1;
  let messages = 0;
  for (const rewrite of plan.sendMessageRewrites)
    if ((await rewriteUnlessChanged(ops, SEND_MESSAGE, rewrite, plan.person)) !== undefined) messages += 1;
  return { metadata, messages };
}

/** The text written, or undefined when the row is gone or no longer names the person. */
async function rewriteUnlessChanged(
  ops: SqlOps,
  at: RewriteTarget,
  rewrite: ColumnRewrite,
  person: ErasurePlan['person'],
): Promise<string | undefined> {
  let { previous, next } = rewrite;
  for (let tried = 0; tried < REWRITE_TRIES; tried++) {
    const changed = await ops.query(
      `UPDATE ${at.table} SET ${at.column} = $1 WHERE ${at.key} = $2 AND ${at.column} = $3`,
      [next, rewrite.key, previous],
    );
    if (changed.changes > 0) return next;
    const current = await ops.query<{ text: string | null }>(
      `SELECT ${at.column} AS text FROM ${at.table} WHERE ${at.key} = $1 ${ops.dialect.forUpdate}`,
      [rewrite.key],
    );
    const now = current.rows[0]?.text;
    // Gone with an erased send or message, or its metadata removed.
    if (now === undefined || now === null) return undefined;
    const again = at.redact(now, person);
    if (again === undefined) return undefined;
    previous = now;
    next = again;
  }
  throw new WahookError(
    'conflict',
    `the ${at.column} of ${at.key} ${rewrite.key} kept changing during the erasure; nothing was erased`,
    { hint: 'Run the erasure again.' },
  );
}
