import { GroupCommit } from '../lib/group-commit.js';
import type { Wakeups } from '../lib/wakeups.js';
import type { Bus } from '../observe/bus.js';
import type { InboxAppend } from './states.js';

/**
 * The receiver's group commit (lib/group-commit.ts): appends that arrive while a commit is in
 * flight go together in the next one, and with nothing in flight the flush waits one turn of the
 * event loop so that requests parsed in the same turn share the commit. A 200 is sent only for
 * bytes that are durable, and a failed or overdue commit rejects every append in its batch (the
 * receiver answers 503 and the sender retries; if the commit lands after all, dedupe absorbs the
 * retry). After each commit the `inbox:appended` wake-up tells a worker in this process at once.
 */
export interface GroupCommitOptions {
  /** Most rows in one transaction; larger bursts are split across consecutive commits. */
  maxBatch: number;
  /** A commit slower than this is answered as failed. */
  commitTimeoutMs: number;
}

/** A receiver commit slower than this is answered 503, and the sender retries. */
export const COMMIT_TIMEOUT_MS = 5_000;

/** The receiver's group-commit settings (src/server.ts builds the committer with them). */
export const INBOX_GROUP_COMMIT: GroupCommitOptions = { maxBatch: 512, commitTimeoutMs: COMMIT_TIMEOUT_MS };

export class GroupCommitter {
  private readonly commits: GroupCommit<InboxAppend, number>;

  constructor(
    appendBatch: (rows: readonly InboxAppend[]) => Promise<number[]>,
    options: GroupCommitOptions,
    bus: Bus,
    wakeups: Pick<Wakeups, 'signal'>,
  ) {
    this.commits = new GroupCommit(appendBatch, {
      maxBatch: options.maxBatch,
      timeoutMs: options.commitTimeoutMs,
      missing: -1,
      onCommitted: (rows, commitMs) => {
        bus.emit('inbox:committed', { rows, commitMs });
        wakeups.signal('inbox:appended');
      },
      onFailed: (rows, error) => bus.emit('inbox:commit_failed', { rows, error: error.message }),
    });
  }

  /** Resolves with the row's inbox id once it is durable. */
  append(row: InboxAppend): Promise<number> {
    return this.commits.add(row);
  }

  /** Resolves when every append queued so far has settled. */
  drain(): Promise<void> {
    return this.commits.drain();
  }
}
