import { searchNeedle } from '../../whatsapp/person-redaction.js';
import type { ErasurePlan } from './erasure.js';
import type { SqlOps } from './sql-ops.js';

/**
 * Part of an erasure (see erasure.ts), inside its transaction, after the person's own deliveries
 * are gone: clears the subscriber answers that quoted the person in deliveries that stay (another
 * event of the same batch, or an answer that echoed more than its request). The status, outcome
 * and timing stay, so a dead letter still says what went wrong; only the answer's words go.
 * Answers the rows changed (attempts and deliveries).
 *
 * The rows were found before the transaction, and a delivery that is still pending may have had
 * another attempt since, with an error that does not quote the person: the match is tested again
 * in each UPDATE, so a newer error is not replaced.
 */
export async function redactAnswers(
  ops: SqlOps,
  plan: Pick<ErasurePlan, 'person' | 'attemptIds' | 'deliveryIds'>,
): Promise<number> {
  const { dialect } = ops;
  const needle = searchNeedle(plan.person);
  const attempts = await ops.query(
    `UPDATE delivery_attempts SET response_prefix = NULL,
       error = CASE WHEN error IS NULL THEN NULL ELSE ${ERASED_ANSWER('status')} END
     WHERE ${dialect.inList('id', '$1', 'bigint')}
       AND (${dialect.contains('response_prefix', '$2')} OR ${dialect.contains('error', '$2')})`,
    [dialect.list(plan.attemptIds), needle],
  );
  const deliveries = await ops.query(
    `UPDATE deliveries SET last_error = ${ERASED_ANSWER('last_status')}
     WHERE ${dialect.inList('id', '$1', 'bigint')} AND ${dialect.contains('last_error', '$2')}`,
    [dialect.list(plan.deliveryIds), needle],
  );
  return attempts.changes + deliveries.changes;
}

/** What stands where an answer was: its HTTP status, when there was one. */
const ERASED_ANSWER = (status: string) =>
  `CASE WHEN ${status} IS NULL THEN '[answer erased]' ELSE 'HTTP ' || ${status} || ': [answer erased]' END`;
