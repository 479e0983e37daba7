import { describe, expect, it } from 'vitest';
import { GroupCommit, type GroupCommitOptions } from '../../../src/lib/group-commit.js';

/** The group-commit helper behind the inbox and the attempt records, over a commit the test holds. */
interface HeldCommit {
  batches: number[][];
  /** Settles the oldest unsettled commit: with each item doubled, or with an error. */
  settle(error?: Error): void;
}

function held(): HeldCommit & { commit: (items: readonly number[]) => Promise<number[]> } {
  const batches: number[][] = [];
  const pending: { items: readonly number[]; resolve: (r: number[]) => void; reject: (e: Error) => void }[] =
    [];
  return {
    batches,
    commit: (items) => {
      batches.push([...items]);
      return new Promise((resolve, reject) => pending.push({ items, resolve, reject }));
    },
    settle(error) {
      const next = pending.shift();
      if (!next) throw new Error('no commit in flight');
      if (error) next.reject(error);
      else next.resolve(next.items.map((item) => item * 2));
    },
  };
}

const options = (overrides: Partial<GroupCommitOptions<number>> = {}): GroupCommitOptions<number> => ({
  maxBatch: 3,
  missing: -1,
  ...overrides,
});

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('items added while a commit is in flight go together in the next commit', async () => {
    const store = held();
    const commits = new GroupCommit(store.commit, options());
    const first = commits.add(1);
    await turn();
    expect(store.batches).toEqual([[1]]);
    const queued = [commits.add(2), commits.add(3)];
    expect(store.batches).toEqual([[1]]);
    store.settle();
    expect(await first).toBe(2);
    await turn();
    expect(store.batches).toEqual([[1], [2, 3]]);
    store.settle();
    expect(await Promise.all(queued)).toEqual([4, 6]);
  });

  it('waits one turn, so items of the same turn share the first commit', async () => {
    const store = held();
    const commits = new GroupCommit(store.commit, options());
    const results = [commits.add(1), commits.add(2)];
    expect(store.batches).toEqual([]);
    await turn();
    expect(store.batches).toEqual([[1, 2]]);
    store.settle();
    expect(await Promise.all(results)).toEqual([2, 4]);
  });

  it('splits a backlog larger than maxBatch over consecutive commits, in order', async () => {
    const store = held();
    const commits = new GroupCommit(store.commit, options());
    const first = commits.add(1);
    await turn();
    const results = [first, ...[2, 3, 4, 5, 6, 7].map((n) => commits.add(n))];
    store.settle();
    await turn();
    store.settle();
    await turn();
    store.settle();
    expect(await Promise.all(results)).toEqual([2, 4, 6, 8, 10, 12, 14]);
    expect(store.batches).toEqual([[1], [2, 3, 4], [5, 6, 7]]);
  });

  it('puts addAll items in one commit', async () => {
    const store = held();
    const commits = new GroupCommit(store.commit, options());
    const all = commits.addAll([1, 2, 3]);
    await turn();
    expect(store.batches).toEqual([[1, 2, 3]]);
    store.settle();
    expect(await all).toEqual([2, 4, 6]);
  });

  it('rejects every item of a failed commit, tells onFailed, and commits the next batch', async () => {
    const store = held();
    const failed: string[] = [];
    const commits = new GroupCommit(
      store.commit,
      options({ onFailed: (items, error) => failed.push(`${items}:${error.message}`) }),
    );
    const first = commits.add(1);
    await turn();
    const second = commits.add(2);
    store.settle(new Error('disk full'));
    await expect(first).rejects.toThrow('disk full');
    await turn();
    store.settle();
    expect(await second).toBe(4);
    expect(failed).toEqual(['1:disk full']);
  });

  it('fails a commit that outlasts timeoutMs, and tells onCommitted only of commits that landed', async () => {
    const store = held();
    const committed: number[] = [];
    const commits = new GroupCommit(
      store.commit,
      options({ timeoutMs: 10, onCommitted: (items) => committed.push(items) }),
    );
    await expect(commits.add(1)).rejects.toThrow('commit took longer than 10 ms');
    expect(committed).toEqual([]);
  });

  it('answers `missing` for an item the commit returned no result for', async () => {
    const commits = new GroupCommit(async () => [7], options());
    expect(await commits.addAll([1, 2])).toEqual([7, -1]);
  });

  it('drains: resolves once every item added so far has settled', async () => {
    const store = held();
    const commits = new GroupCommit(store.commit, options());
    const settled: number[] = [];
    for (const n of [1, 2]) void commits.add(n).then((r) => settled.push(r));
    const drained = commits.drain();
    await turn();
    store.settle();
    await drained;
    expect(settled).toEqual([2, 4]);
  });
});
