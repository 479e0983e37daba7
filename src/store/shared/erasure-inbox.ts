import { WahookError } from '../../errors.js';
import { type ErasurePlan, rewriteBody } from './erasure.js';
import type { SqlOps } from './sql-ops.js';

/**
 * Part of an erasure (see erasure.ts), inside its transaction: the raw webhook bodies that name
 * the person, deleted when they hold no one else, else rewritten without them and marked
 * redacted. Answers the rows deleted and rewritten.
 *
 * A body is written once, on arrival, and then only by erasures; two erasures of people who wrote
 * in the same body read it before either wrote. So a rewrite is a compare-and-set on the body that
 * was read, as for metadata (erasure-rewrites.ts): when another erasure rewrote it first, the
 * newer body is read again, locked, and cut again, so neither puts back the person the other took
 * out.
 */
const REWRITE_TRIES = 3;

export async function eraseInbox(
  ops: SqlOps,
  plan: Pick<ErasurePlan, 'person' | 'inbox'>,
  now: number,
): Promise<{ deleted: number; redacted: number }> {
  const { dialect } = ops;
  const doomed = plan.inbox.filter((row) => row.body === null).map((row) => row.id);
  const rewritten: number[] = [];
  for (const row of plan.inbox) {
    if (row.body === null) continue;
    const outcome = await rewriteUnlessChanged(
      ops,
      row.id,
      { previous: row.previous, body: row.body },
      plan.person,
    );
    if (outcome === 'delete') doomed.push(row.id);
    if (outcome === 'rewritten') rewritten.push(row.id);
  }
  const ids = dialect.list(doomed);
  await ops.query(`DELETE FROM inbox_state WHERE ${dialect.inList('id', '$1', 'bigint')}`, [ids]);
  const deleted = await ops.query(`DELETE FROM inbox WHERE ${dialect.inList('id', '$1', 'bigint')}`, [ids]);
  await ops.query(`UPDATE inbox_state SET redacted_at = $1 WHERE ${dialect.inList('id', '$2', 'bigint')}`, [
    now,
    dialect.list(rewritten),
  ]);
  return { deleted: deleted.changes, redacted: rewritten.length };
}

type Outcome = 'rewritten' | 'delete' | 'unchanged';

async function rewriteUnlessChanged(
  ops: SqlOps,
  id: number,
  rewrite: { previous: Buffer; body: Buffer },
  person: ErasurePlan['person'],
): Promise<Outcome> {
  let { previous, body } = rewrite;
  for (let tried = 0; tried < REWRITE_TRIES; tried++) {
    const changed = await ops.query('UPDATE inbox SET body = $1 WHERE id = $2 AND body = $3', [
      body,
      id,
      previous,
    ]);
    if (changed.changes > 0) return 'rewritten';
    const current = await ops.query<{ body: Buffer }>(
      `SELECT body FROM inbox WHERE id = $1 ${ops.dialect.forUpdate}`,
      [id],
    );
    const now = current.rows[0]?.body;
    if (now === undefined) return 'unchanged';
    const again = rewriteBody(now, person);
    // Gone, or no longer naming the person; or naming no one but them, once the other erasure cut.
    if (again === undefined) return 'unchanged';
    if (again === null) return 'delete';
    previous = now;
    body = again;
  }
  throw new WahookError('conflict', `inbox row ${id} kept changing during the erasure; nothing was erased`, {
    hint: 'Run the erasure again.',
  });
}
