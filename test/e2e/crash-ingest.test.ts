import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { type ChildServer, httpRequest, readInboxBodies, spawnServe, TEST_ENV } from '../helpers/server.js';
import { signedHeaders, taggedBody, testIdOf } from '../helpers/signing.js';
import { createTempDir, type TempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

/**
 * The promise behind every 200: the bytes are on disk. A real `wahook serve` process takes signed
 * load from concurrent senders and is killed mid-load; every request it answered 200 must be in
 * the inbox when it comes back on the same data folder. Requests that failed may or may not be
 * there; only 200s count.
 */
const SENDERS = 20;
const MAX_PER_SENDER = 150;
const ACKED_BEFORE_KILL = 40;

let dir: TempDir;
let dbPath: string;
let running: ChildServer | undefined;

beforeEach(async () => {
  dir = await createTempDir('wahook-crash-');
  dbPath = join(dir.path, 'wahook.db');
});
afterEach(async () => {
  await running?.kill('SIGKILL');
  running = undefined;
  await dir.remove();
});

async function startReceiver(): Promise<ChildServer> {
  running = await spawnServe({
    env: {
      ...TEST_ENV,
      WAHOOK_ROLES: 'receiver',
      WAHOOK_PORT: '0',
      WAHOOK_DATABASE_URL: `sqlite:${dbPath}`,
      WAHOOK_LOG_LEVEL: 'warn',
    },
  });
  return running;
}

interface Load {
  /** Ids of the requests answered 200. */
  readonly acked: Set<string>;
  /** Resolves when every sender has stopped. */
  readonly done: Promise<void>;
  stop(): void;
}

/** SENDERS concurrent loops posting signed, uniquely tagged bodies until stopped or refused. */
function startLoad(url: string, prefix: string, acked: Set<string>): Load {
  let stopped = false;
  const sender = async (index: number) => {
    for (let n = 0; n < MAX_PER_SENDER && !stopped; n++) {
      const id = `${prefix}-s${index}-${n}`;
      const body = taggedBody(id);
      try {
        const response = await httpRequest(`${url}/webhooks/whatsapp`, {
          method: 'POST',
          headers: signedHeaders(body),
          body,
        });
        if (response.status !== 200) return;
        acked.add(id);
      } catch {
        return;
      }
    }
  };
  const done = Promise.all(Array.from({ length: SENDERS }, (_, index) => sender(index))).then(
    () => undefined,
  );
  return {
    acked,
    done,
    stop: () => {
      stopped = true;
    },
  };
}

function missingFromInbox(acked: ReadonlySet<string>): string[] {
  const stored = new Set(readInboxBodies(dbPath).map(testIdOf));
  return [...acked].filter((id) => !stored.has(id));
}

describe('ingest durability across process death', () => {
  test('every request answered 200 is in the inbox after SIGKILL mid-load, three times over', async () => {
    const acked = new Set<string>();
    for (let round = 1; round <= 3; round++) {
      const server = await startReceiver();
      expect(missingFromInbox(acked)).toEqual([]);
      const before = acked.size;
      const load = startLoad(server.url, `round${round}`, acked);
      await waitFor(
        () => acked.size >= before + ACKED_BEFORE_KILL,
        'requests acknowledged under load',
        20_000,
      );
      const exit = await server.kill('SIGKILL');
      load.stop();
      await load.done;
      expect(exit.signal).toBe('SIGKILL');
    }
    const server = await startReceiver();
    expect(missingFromInbox(acked)).toEqual([]);
    expect(acked.size).toBeGreaterThanOrEqual(3 * ACKED_BEFORE_KILL);
    expect((await server.kill('SIGTERM')).code).toBe(0);
  });

  test('SIGTERM during load: every request answered 200 is stored and the process exits 0', async () => {
    const server = await startReceiver();
    const acked = new Set<string>();
    const load = startLoad(server.url, 'term', acked);
    await waitFor(() => acked.size >= ACKED_BEFORE_KILL, 'requests acknowledged under load', 20_000);
    const exit = await server.kill('SIGTERM');
    load.stop();
    await load.done;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(server.stderr()).toContain('received SIGTERM');
    expect(missingFromInbox(acked)).toEqual([]);
  });
});
