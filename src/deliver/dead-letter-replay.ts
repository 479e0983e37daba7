import type { Wakeups } from '../lib/wakeups.js';
import type { DeadLetterSelector, DeadLetterStore } from '../store/delivery-ports.js';

/**
 * A real replay, as the API and the dashboard both run it: the selected dead letters go back to
 * pending in the replay lane, and `dead_letters:replayed` starts a delivery loop on them at once
 * rather than at its next poll. Answers how many moved.
 */
export async function replaySelected(
  deps: { store: Pick<DeadLetterStore, 'replayDeadLetters'>; wakeups: Pick<Wakeups, 'signal'> },
  selector: DeadLetterSelector,
  options: { now: number; limit?: number },
): Promise<number> {
  const count = await deps.store.replayDeadLetters(selector, { ...options, dryRun: false });
  if (count > 0) deps.wakeups.signal('dead_letters:replayed');
  return count;
}
