import type { InboxFinish } from '../ports.js';

/**
 * The single-row inbox transitions of ProcessingTx, written once on top of each adapter's batch
 * statement: an adapter implements only `finishInboxRows`.
 */
export abstract class FinishInboxRows {
  abstract finishInboxRows(rows: readonly InboxFinish[], owner: string, now: number): Promise<Set<number>>;

  async markInboxProcessed(inboxId: number, owner: string, now: number): Promise<boolean> {
    return (await this.finishInboxRows([{ id: inboxId, state: 'processed', error: null }], owner, now)).has(
      inboxId,
    );
  }

  async quarantineInbox(inboxId: number, owner: string, reason: string, now: number): Promise<boolean> {
    const finished = await this.finishInboxRows(
      [{ id: inboxId, state: 'quarantined', error: reason }],
      owner,
      now,
    );
    return finished.has(inboxId);
  }
}
