import { createHash } from 'node:crypto';
import pg from 'pg';
import {
  type EventJson,
  type InboxCounts,
  type MessageJson,
  readEventsFrom,
  readInboxCounts,
  readMessage,
  type StatusSpec,
  statusWebhook,
  testWamid,
} from './pipeline.js';
import { type ChildServer, httpRequest, spawnServe, TEST_ENV } from './server.js';
import { signedHeaders } from './signing.js';
import { waitFor } from './wait.js';

/**
 * Several `wahook serve` processes sharing one PostgreSQL schema, the load a test sends them, and
 * readers of what ended up in the database. The processes are real children, so a test can kill
 * one with SIGKILL the way a crashed machine would vanish.
 */

/** Processes started against one database URL; `stopAll` kills whatever is still running. */
export class Cluster {
  private readonly nodes: ChildServer[] = [];

  constructor(private readonly databaseUrl: string) {}

  async start(roles: string, env: Record<string, string> = {}): Promise<ChildServer> {
    const node = await spawnServe({
      env: {
        ...TEST_ENV,
        WAHOOK_ROLES: roles,
        WAHOOK_HOST: '127.0.0.1',
        WAHOOK_PORT: '0',
        WAHOOK_DATABASE_URL: this.databaseUrl,
        WAHOOK_LOG_LEVEL: 'warn',
        ...env,
      },
      readyTimeoutMs: 20_000,
    });
    this.nodes.push(node);
    return node;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.nodes.splice(0).map((node) => node.kill('SIGKILL')));
  }
}

// ---- the load ----

const BASE_TIME = 1767262000;
const LIFECYCLE = ['sent', 'delivered', 'read'] as const;

/** A fixed pseudo-random sequence, so a failing order can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

export interface StatusLoad {
  wamids: string[];
  /** Every distinct update, each the only update of its own body. */
  updates: StatusSpec[];
  bodies: Buffer[];
}

/** `messages` wamids each going sent → delivered → read, one update per body, shuffled. */
export function buildStatusLoad(prefix: string, messages: number, seed = 11): StatusLoad {
  const wamids = Array.from({ length: messages }, (_, n) => testWamid(prefix, n));
  const updates = wamids.flatMap((wamid, n) =>
    LIFECYCLE.map((status, step) => ({ wamid, status, timestamp: BASE_TIME + n * 10 + step })),
  );
  const random = seededRandom(seed);
  for (let i = updates.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [updates[i], updates[j]] = [updates[j]!, updates[i]!];
  }
  return { wamids, updates, bodies: updates.map((update) => statusWebhook([update])) };
}

/** Runs `send` over every item with `concurrency` at a time; the first failure rejects. */
export async function forEachConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  send: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      await send(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}

export type PostOutcome = { status: number } | { error: string };

/** One signed webhook POST; a network error or a timeout is an outcome, not a throw. */
export async function postWebhook(baseUrl: string, body: Buffer, timeoutMs = 10_000): Promise<PostOutcome> {
  try {
    const response = await httpRequest(`${baseUrl}/webhooks/whatsapp`, {
      method: 'POST',
      headers: signedHeaders(body),
      body,
      timeoutMs,
    });
    return { status: response.status };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

// ---- what the database holds ----

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** How many inbox rows hold each body (by SHA-256), read with the test's own connection. */
export async function readInboxBodyCounts(databaseUrl: string): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const result = await client.query<{ hash: string; n: string }>(
      "SELECT encode(sha256(body), 'hex') AS hash, count(*) AS n FROM inbox GROUP BY 1",
    );
    return new Map(result.rows.map((row) => [row.hash, Number(row.n)]));
  } finally {
    await client.end();
  }
}

/** Waits until nothing in the inbox is pending and returns the counts seen then. */
export async function waitUntilDrained(baseUrl: string, timeoutMs: number): Promise<InboxCounts> {
  let counts: InboxCounts | undefined;
  await waitFor(
    async () => {
      counts = await readInboxCounts(baseUrl);
      return counts.pending === 0;
    },
    `the workers to drain the inbox (last /v1/stats inbox: ${JSON.stringify(counts)})`,
    timeoutMs,
  );
  return counts!;
}

export async function readAllMessages(baseUrl: string, wamids: readonly string[]): Promise<MessageJson[]> {
  const records: MessageJson[] = new Array(wamids.length);
  await forEachConcurrently(wamids, 8, async (wamid, index) => {
    records[index] = await readMessage(baseUrl, wamid);
  });
  return records;
}

const iso = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString();
const updateKey = (wamid: unknown, status: unknown, timestamp: unknown) =>
  JSON.stringify([wamid, status, timestamp]);

export interface LedgerCheck {
  eventCount: number;
  distinctEventIds: number;
  /** Updates with no event, and events that match no expected update (as keys). */
  missing: string[];
  unexpected: string[];
  /** Updates with more than one event. */
  doubled: string[];
}

/** Pages all of GET /v1/events and compares them with `updates`, one event per update. */
export async function checkEvents(baseUrl: string, updates: readonly StatusSpec[]): Promise<LedgerCheck> {
  const { events } = await readEventsFrom(baseUrl);
  const expected = new Set(updates.map((u) => updateKey(u.wamid, u.status, iso(u.timestamp))));
  const seen = new Map<string, number>();
  for (const event of events as EventJson<{ messageId?: unknown; status?: unknown; timestamp?: unknown }>[]) {
    const key = updateKey(event.data.messageId, event.data.status, event.data.timestamp);
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return {
    eventCount: events.length,
    distinctEventIds: new Set(events.map((event) => event.id)).size,
    missing: [...expected].filter((key) => !seen.has(key)),
    unexpected: [...seen.keys()].filter((key) => !expected.has(key)),
    doubled: [...seen].filter(([, n]) => n > 1).map(([key]) => key),
  };
}

/** Records whose final status is not `read` or whose history is not sent, delivered, read. */
export async function findWrongRecords(
  baseUrl: string,
  wamids: readonly string[],
): Promise<{ wamid: string; status: string; history: string[] }[]> {
  const records = await readAllMessages(baseUrl, wamids);
  return records.flatMap((record, n) => {
    const history = record.history.map((entry) => entry.status);
    const right = record.status === 'read' && JSON.stringify(history) === JSON.stringify(LIFECYCLE);
    return right ? [] : [{ wamid: wamids[n]!, status: record.status, history }];
  });
}
