import { GroupCommit } from '../lib/group-commit.js';
import type { DeliveryQueue, RecordedAttempt } from '../store/delivery-ports.js';

/**
 * Group commit for attempt records (lib/group-commit.ts). Every commit costs an fsync (a few
 * milliseconds), far more than writing one row, so the attempts that finish while one commit runs
 * all go into the next: at low load each record is written at once, under load one commit carries
 * many. Each resolves once the attempt is durable, with whether its move applied (see the port).
 */
const MAX_BATCH = 256;

export type AttemptRecorder = Pick<GroupCommit<RecordedAttempt, boolean>, 'add' | 'addAll'>;

export function createAttemptRecorder(
  store: Pick<DeliveryQueue, 'recordDeliveryAttempts'>,
): GroupCommit<RecordedAttempt, boolean> {
  return new GroupCommit((entries) => store.recordDeliveryAttempts(entries), {
    maxBatch: MAX_BATCH,
    gather: 'now',
    missing: false,
  });
}
