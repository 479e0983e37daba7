import { WahookError } from '../../errors.js';
import type { BusinessMetadata } from '../send-ports.js';
import { type ErasurePlan, type MetadataRewrite, rewriteMetadata } from './erasure.js';
import { indexMetadata } from './sends.js';
import type { SqlOps } from './sql-ops.js';

/**
 * Part of an erasure (see erasure.ts), inside its transaction, after eraseSendsAndContext: the
 * business metadata of the messages and sends that stay, rewritten without the person, and a
 * wamid's index entries with it. Answers the rows rewritten.
 *
 * The erasure read the metadata before its transaction, and `PUT /v1/messages/{wamid}/metadata`
 * may have replaced it since. So each rewrite is a compare-and-set on the text that was read: when
 * it changes no row, the row is read again, locked, and the new text is redacted instead (or left
 * alone when it no longer names the person, or is gone). The lock makes the second try the last
 * one; the bound only keeps a broken invariant from looping.
 */
const REWRITE_TRIES = 3;

const METADATA_OF = {
  contexts: { table: 'message_context', key: 'wamid' },
  sends: { table: 'sends', key: 'id' },
} as const;

type MetadataOf = (typeof METADATA_OF)[keyof typeof METADATA_OF];

export async function redactMetadata(
  ops: SqlOps,
  plan: Pick<ErasurePlan, 'person' | 'contextRewrites' | 'sendMetadataRewrites'>,
): Promise<number> {
  let rows = 0;
  for (const rewrite of plan.contextRewrites) {
    const written = await rewriteUnlessChanged(ops, METADATA_OF.contexts, rewrite, plan.person);
    if (written === undefined) continue;
    rows += 1;
    await indexMetadata(ops, rewrite.key, JSON.parse(written) as BusinessMetadata);
  }
  for (const rewrite of plan.sendMetadataRewrites)
    if ((await rewriteUnlessChanged(ops, METADATA_OF.sends, rewrite, plan.person)) !== undefined) rows += 1;
  return rows;
}

/** The metadata written, or undefined when the row is gone or no longer names the person. */
async function rewriteUnlessChanged(
  ops: SqlOps,
  at: MetadataOf,
  rewrite: MetadataRewrite,
  person: ErasurePlan['person'],
): Promise<string | undefined> {
  let { previous, metadata } = rewrite;
  for (let tried = 0; tried < REWRITE_TRIES; tried++) {
    const changed = await ops.query(
      `UPDATE ${at.table} SET metadata = $1 WHERE ${at.key} = $2 AND metadata = $3`,
      [metadata, rewrite.key, previous],
    );
    if (changed.changes > 0) return metadata;
    const current = await ops.query<{ metadata: string | null }>(
      `SELECT metadata FROM ${at.table} WHERE ${at.key} = $1 ${ops.dialect.forUpdate}`,
      [rewrite.key],
    );
    const now = current.rows[0]?.metadata;
    // Gone with an erased send or message, or its metadata removed.
    if (now === undefined || now === null) return undefined;
    const again = rewriteMetadata(now, person);
    if (again === undefined) return undefined;
    previous = now;
    metadata = again;
  }
  throw new WahookError(
    'conflict',
    `the business metadata of ${at.key} ${rewrite.key} kept changing during the erasure; nothing was erased`,
    { hint: 'Run the erasure again.' },
  );
}
