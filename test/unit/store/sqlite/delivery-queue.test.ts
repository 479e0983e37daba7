import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DUE_SQL } from '../../../../src/store/sqlite/delivery-queue.js';
import { createSqliteStore, type SqliteStore } from '../../../../src/store/sqlite/store.js';
import { createTempDir, type TempDir } from '../../../helpers/tmp.js';

/**
 * How SQLite runs the delivery claim, read from EXPLAIN QUERY PLAN: timing would be flaky, the plan
 * is not. Both properties keep a claim's cost bounded by what it hands out, not by history.
 */
describe('SQLite delivery claim plan', () => {
  let dir: TempDir;
  let store: SqliteStore;
  beforeEach(async () => {
    dir = await createTempDir();
    store = await createSqliteStore(join(dir.path, 'plan.db'));
  });
  afterEach(async () => {
    await store.close();
    await dir.remove();
  });

  it('reads one subscription through the due index and checks earlier rows among pending ones only', () => {
    const plan = store.db
      .prepare(`EXPLAIN QUERY PLAN ${DUE_SQL}`)
      .all({ subscriptionId: 'sub', lane: 'live', now: 0, scan: 4 }) as { detail: string }[];
    const details = plan.map((step) => step.detail);
    expect(details).toContainEqual(
      expect.stringMatching(/SEARCH d USING INDEX deliveries_due \(subscription_id=\?/),
    );
    expect(details).toContainEqual(expect.stringMatching(/SEARCH p USING INDEX deliveries_key_pending/));
    expect(details.join('\n')).not.toMatch(/USE TEMP B-TREE FOR ORDER BY/);
  });
});
