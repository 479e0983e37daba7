import { z } from 'zod';
import { parseBytes } from '../lib/bytes.js';
import { parseDuration, parseDurationList } from '../lib/duration.js';

/**
 * Every setting wahook reads, in one table: its environment variable, default, description and
 * parser. docs/configuration.md is generated from this table (`npm run docs:config`) and a test
 * fails when the two drift. A config file (WAHOOK_CONFIG_FILE, JSON with the same variable names
 * as keys) may supply any of them; the environment wins.
 */
export interface SettingSpec<T> {
  readonly env: string;
  readonly description: string;
  /** Text shown in the docs; `undefined` means "no default". */
  readonly defaultText: string | undefined;
  readonly secret: boolean;
  readonly schema: z.ZodType<T>;
}

function setting<T>(spec: SettingSpec<T>): SettingSpec<T> {
  return spec;
}

const csv = z.string().transform((text) =>
  text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0),
);

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      try {
        return parseDuration(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    });

/** A retention period: a duration, or `0` / `off` to keep the class forever (parsed as 0). */
const retention = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      if (/^\s*off\s*$/i.test(text)) return 0;
      try {
        return parseDuration(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `${(err as Error).message}, or 0 / off to keep forever` });
        return z.NEVER;
      }
    });

const bytes = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      try {
        return parseBytes(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    });

const PORT_RANGE = 'must be a whole number from 0 to 65535 (0 picks a free port)';

const ROLE_NAMES = ['receiver', 'worker', 'delivery'] as const;
export type Role = (typeof ROLE_NAMES)[number];

export const DEFAULT_RETRY_DELAYS = '5s,30s,2m,10m,30m,1h,2h,4h,8h,12h,12h,12h,12h,12h,12h';

export const SETTINGS = {
  appSecrets: setting({
    env: 'WAHOOK_APP_SECRETS',
    description:
      'Comma-separated Meta app secrets. A POST signed with any of them is accepted: list the old and the new secret while rotating, or the secrets of several apps that share this URL.',
    defaultText: 'local mode: generated',
    secret: true,
    schema: csv.optional().transform((list) => (list && list.length > 0 ? list : undefined)),
  }),
  verifyToken: setting({
    env: 'WAHOOK_VERIFY_TOKEN',
    description:
      'Token expected in the GET verification handshake (the "Verify token" in the App Dashboard).',
    defaultText: 'local mode: generated',
    secret: true,
    schema: z.string().min(1).optional(),
  }),
  adminToken: setting({
    env: 'WAHOOK_ADMIN_TOKEN',
    description: 'Bearer token for the admin API (/v1/*) and the dashboard.',
    defaultText: 'local mode: generated',
    secret: true,
    schema: z.string().min(1).optional(),
  }),
  headerAuth: setting({
    env: 'WAHOOK_HEADER_AUTH',
    description:
      'Sources that do not sign (e.g. 360dialog messaging webhooks) and authenticate with a secret header instead: `source=Header-Name:secret`, several separated by `;`. Each source gets its own route, POST /webhooks/whatsapp/<source>.',
    defaultText: 'none',
    secret: true,
    schema: z
      .string()
      .optional()
      .transform((text, ctx) => parseHeaderAuth(text ?? '', ctx)),
  }),
  databaseUrl: setting({
    env: 'WAHOOK_DATABASE_URL',
    description: '`sqlite:<path>` for the embedded store, or `postgres://…` for PostgreSQL.',
    defaultText: 'sqlite:./data/wahook.db',
    secret: true,
    schema: z
      .string()
      .default('sqlite:./data/wahook.db')
      .refine((url) => /^(sqlite:|postgres(ql)?:\/\/)/.test(url), {
        message: 'must start with sqlite: (e.g. sqlite:./data/wahook.db) or postgres://',
      }),
  }),
  dataDir: setting({
    env: 'WAHOOK_DATA_DIR',
    description: 'Folder for local-mode secrets and other local state.',
    defaultText: 'the SQLite file’s folder, else ./data',
    secret: false,
    schema: z.string().min(1).optional(),
  }),
  host: setting({
    env: 'WAHOOK_HOST',
    description: 'Listen address. A loopback address with missing secrets starts local mode.',
    defaultText: '127.0.0.1',
    secret: false,
    schema: z.string().min(1).default('127.0.0.1'),
  }),
  port: setting({
    env: 'WAHOOK_PORT',
    description: 'Listen port (0 picks a free one).',
    defaultText: '8080',
    secret: false,
    schema: z.coerce
      .number({ error: PORT_RANGE })
      .int({ error: PORT_RANGE })
      .min(0, { error: PORT_RANGE })
      .max(65535, { error: PORT_RANGE })
      .default(8080),
  }),
  roles: setting({
    env: 'WAHOOK_ROLES',
    description: 'Loops this process runs: receiver, worker, delivery (comma-separated), or all.',
    defaultText: 'all',
    secret: false,
    schema: z
      .string()
      .default('all')
      .transform((text, ctx) => parseRoles(text, ctx)),
  }),
  logLevel: setting({
    env: 'WAHOOK_LOG_LEVEL',
    description: 'Log level: fatal, error, warn, info, debug, trace or silent.',
    defaultText: 'info',
    secret: false,
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  }),
  maxBodyBytes: setting({
    env: 'WAHOOK_MAX_BODY_BYTES',
    description: 'Largest webhook body accepted (bytes, or with KiB/MiB); larger bodies get 413.',
    defaultText: '8MiB',
    secret: false,
    schema: bytes('8MiB'),
  }),
  sqliteWalLimitBytes: setting({
    env: 'WAHOOK_SQLITE_WAL_LIMIT',
    description:
      'SQLite only: the size the WAL file is kept under (bytes, or with KiB/MiB/GiB). Once a quarter of it has been written since the WAL last started over, the checkpoint thread briefly holds writers to copy the rest back and start the WAL over; within a second of traffic calming, or when the file is over the limit, it cuts the file to zero. Only a reader holding an old snapshot (another program with a transaction open) keeps it larger, and WahookSqliteWalNotCheckpointed fires. No checkpoint can cut inside a transaction, so keep it well above what one worker batch writes (up to about 12 MB for 200 status rows).',
    defaultText: '256MiB',
    secret: false,
    schema: bytes('256MiB'),
  }),
  diskReserveBytes: setting({
    env: 'WAHOOK_DISK_RESERVE',
    description:
      'SQLite only: free space on the data folder kept for recovery. Below it new webhooks get 503 and /readyz 503, while webhooks already acknowledged are still processed and the WAL checkpointed; above it again, everything resumes without a restart. Keep it above a quarter of WAHOOK_SQLITE_WAL_LIMIT plus a few seconds of traffic.',
    defaultText: '128MiB',
    secret: false,
    schema: bytes('128MiB'),
  }),
  requestTimeoutMs: setting({
    env: 'WAHOOK_REQUEST_TIMEOUT',
    description:
      'Time a client has to send a whole request, headers and body; a slower client gets 408 and its connection is closed within a second after (slow-loris guard).',
    defaultText: '10s',
    secret: false,
    schema: duration('10s'),
  }),
  headersTimeoutMs: setting({
    env: 'WAHOOK_HEADERS_TIMEOUT',
    description:
      'Time a client has to send the request headers; a slower client gets 408 and its connection is closed within a second after. Keep it below WAHOOK_REQUEST_TIMEOUT.',
    defaultText: '5s',
    secret: false,
    schema: duration('5s'),
  }),
  retryDelaysMs: setting({
    env: 'WAHOOK_DELIVERY_RETRY_DELAYS',
    description:
      'Delays between delivery attempts (units ms, s, m, h). After the last one fails, the delivery becomes a dead letter. The default spans about 3.7 days.',
    defaultText: DEFAULT_RETRY_DELAYS,
    secret: false,
    schema: z
      .string()
      .default(DEFAULT_RETRY_DELAYS)
      .transform((text, ctx) => {
        try {
          const list = parseDurationList(text);
          if (list.length === 0) throw new Error('give at least one delay, e.g. 5s,5m,30m');
          return list;
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
          return z.NEVER;
        }
      }),
  }),
  deliveryTimeoutMs: setting({
    env: 'WAHOOK_DELIVERY_TIMEOUT',
    description: 'How long one delivery attempt waits for the subscriber’s answer.',
    defaultText: '15s',
    secret: false,
    schema: duration('15s'),
  }),
  workerLeaseMs: setting({
    env: 'WAHOOK_WORKER_LEASE',
    description:
      'How long a worker holds claimed inbox rows. If it dies, another worker takes them after this; keep it well above the time one batch takes.',
    defaultText: '60s',
    secret: false,
    schema: duration('60s'),
  }),
  workerBatchSize: setting({
    env: 'WAHOOK_WORKER_BATCH_SIZE',
    description:
      "Inbox rows a worker claims and writes in one transaction. Larger batches process faster (fewer commits, repeated updates of one message merged), but a batch holds its process's event loop while it is written: keep it small where the receiver shares the process.",
    defaultText: '200 with the receiver role in the same process, else 500',
    secret: false,
    schema: z.coerce.number().int().min(1).max(5000).optional(),
  }),
  deliveryConcurrency: setting({
    env: 'WAHOOK_DELIVERY_CONCURRENCY',
    description:
      "The most delivery attempts in flight at once per subscription (four times as many for all together), so one slow endpoint cannot take every slot. Below it each subscription's window follows its endpoint: it starts at 16, grows while answers come back about as fast as the fastest lately, and shrinks by a quarter when they take four times as long or fail.",
    defaultText: '256',
    secret: false,
    schema: z.coerce.number().int().min(1).max(1024).default(256),
  }),
  deliveryAllowPrivate: setting({
    env: 'WAHOOK_DELIVERY_ALLOW_PRIVATE',
    description:
      '`true` lets subscriptions target loopback, private (RFC 1918, IPv6 unique local), link-local and other non-public addresses, cloud metadata services included. Off, such URLs are refused when a subscription is written, and every delivery connection is checked again on the address it resolves to.',
    defaultText: 'local mode: true; otherwise false',
    secret: false,
    schema: z
      .enum(['true', 'false'], { message: 'must be true or false' })
      .optional()
      .transform((text) => (text === undefined ? undefined : text === 'true')),
  }),
  subscriptionsFile: setting({
    env: 'WAHOOK_SUBSCRIPTIONS_FILE',
    description: 'JSON file of subscriptions to create or update at start (see docs/consuming-events.md).',
    defaultText: 'none',
    secret: false,
    schema: z.string().min(1).optional(),
  }),
  rejectedLogMaxRows: setting({
    env: 'WAHOOK_REJECTED_LOG_MAX_ROWS',
    description:
      'Rows kept in the log of rejected requests (each with at most 2 KiB of body); the oldest go first.',
    defaultText: '10000',
    secret: false,
    schema: z.coerce.number().int().min(10).max(1_000_000).default(10_000),
  }),
  retentionInboxMs: setting({
    env: 'WAHOOK_RETENTION_INBOX',
    description:
      'How long raw webhook bodies are kept once processed or quarantined (counted from then). Pending rows are never removed. `0` or `off` keeps them forever.',
    defaultText: '30d',
    secret: false,
    schema: retention('30d'),
  }),
  retentionEventsMs: setting({
    env: 'WAHOOK_RETENTION_EVENTS',
    description:
      'How long events are kept. An event stays while any delivery of it is kept (pending, or a dead letter that may be replayed). `0` or `off` keeps them forever.',
    defaultText: '30d',
    secret: false,
    schema: retention('30d'),
  }),
  retentionMessagesMs: setting({
    env: 'WAHOOK_RETENTION_MESSAGES',
    description: 'How long a message record is kept after its last update. `0` or `off` keeps them forever.',
    defaultText: '90d',
    secret: false,
    schema: retention('90d'),
  }),
  retentionDeliveriesMs: setting({
    env: 'WAHOOK_RETENTION_DELIVERIES',
    description:
      'How long delivered attempts and dead letters are kept after they finished. Pending deliveries are never removed. `0` or `off` keeps them forever.',
    defaultText: '30d',
    secret: false,
    schema: retention('30d'),
  }),
  retentionRequestsMs: setting({
    env: 'WAHOOK_RETENTION_REQUESTS',
    description:
      'How long rows of the rejected-request log are kept (WAHOOK_REJECTED_LOG_MAX_ROWS still caps it). `0` or `off` keeps them until that cap.',
    defaultText: '7d',
    secret: false,
    schema: retention('7d'),
  }),
  dedupeWindowMs: setting({
    env: 'WAHOOK_DEDUPE_WINDOW',
    description:
      'How long the id of a purged or erased event is remembered, so a retry of the same webhook yields no second event. Meta retries for up to 7 days. `0` or `off` remembers forever.',
    defaultText: '8d',
    secret: false,
    schema: retention('8d'),
  }),
  retentionIntervalMs: setting({
    env: 'WAHOOK_RETENTION_INTERVAL',
    description:
      'How often the janitor (part of the worker role) removes what is past its retention. `0` or `off` stops it.',
    defaultText: '1m',
    secret: false,
    schema: retention('1m'),
  }),
  graphApiUrl: setting({
    env: 'WAHOOK_GRAPH_API_URL',
    description:
      "Base URL of the Graph API that POST /v1/messages sends through: Meta's, a BSP's (360dialog: https://waba-v2.360dialog.io with WAHOOK_GRAPH_API_STYLE=360dialog), or `wahook fake-graph`.",
    defaultText: 'https://graph.facebook.com',
    secret: false,
    schema: z
      .string()
      .default('https://graph.facebook.com')
      .refine((text) => /^https?:\/\/[^\s]+$/.test(text), { message: 'must be an http(s) URL' })
      .transform((text) => text.replace(/\/+$/, '')),
  }),
  graphApiVersion: setting({
    env: 'WAHOOK_GRAPH_API_VERSION',
    description:
      'Graph API version in every send URL, pinned so an upgrade is a decision (an expired version is silently served by the oldest live one).',
    defaultText: 'v25.0',
    secret: false,
    schema: z
      .string()
      .default('v25.0')
      .refine((text) => /^v\d{1,3}\.\d$/.test(text), { message: 'must read vNN.N, e.g. v25.0' }),
  }),
  graphAccessToken: setting({
    env: 'WAHOOK_GRAPH_ACCESS_TOKEN',
    description:
      'System-user access token with whatsapp_business_messaging (sent as Authorization: Bearer), or the D360-API-KEY with WAHOOK_GRAPH_API_STYLE=360dialog. Without it POST /v1/messages answers 503 send_not_configured.',
    defaultText: 'none',
    secret: true,
    schema: z.string().min(1).optional(),
  }),
  graphApiStyle: setting({
    env: 'WAHOOK_GRAPH_API_STYLE',
    description:
      '`cloud`: POST <url>/<version>/<phone_number_id>/messages with a Bearer token; `360dialog`: POST <url>/messages with the D360-API-KEY header (one number per key).',
    defaultText: 'cloud',
    secret: false,
    schema: z.enum(['cloud', '360dialog']).default('cloud'),
  }),
  graphTimeoutMs: setting({
    env: 'WAHOOK_GRAPH_TIMEOUT',
    description:
      'How long a send waits for the Graph API. No answer in time after the request left is recorded as `unknown` and settled by the status webhook that names the send.',
    defaultText: '15s',
    secret: false,
    schema: duration('15s'),
  }),
  fakeGraph: setting({
    env: 'WAHOOK_FAKE_GRAPH',
    description:
      '`true` (local mode only; `wahook serve --fake-graph`) starts the fake Graph API inside this process on a loopback port, sends through it instead of WAHOOK_GRAPH_API_URL, and has it post signed status webhooks back to this server: `wahook send` works with no Meta account. Refused outside local mode and without the receiver role.',
    defaultText: 'false',
    secret: false,
    schema: z
      .enum(['true', 'false'], { message: 'must be true or false' })
      .default('false')
      .transform((text) => text === 'true'),
  }),
  defaultRegion: setting({
    env: 'WAHOOK_DEFAULT_REGION',
    description:
      'ISO country code (IL, DE, BR…) for national phone numbers given to POST /v1/messages and wahook send without a region; without it such numbers are refused (422).',
    defaultText: 'none',
    secret: false,
    schema: z
      .string()
      .regex(/^[A-Za-z]{2}$/, { message: 'must be a two-letter ISO country code, e.g. IL' })
      .transform((text) => text.toUpperCase())
      .optional(),
  }),
  sendThroughput: setting({
    env: 'WAHOOK_SEND_THROUGHPUT',
    description:
      "Messages per second per business number that sends keep under (Meta's default 80; 20 for Coexistence numbers, 1000 after an upgrade). Sends past it wait briefly instead of learning the limit from 130429. Kept per process: with several nodes sending for one number, give each its share.",
    defaultText: '80',
    secret: false,
    schema: z.coerce.number().int().min(1).max(10_000).default(80),
  }),
  stuckSentAfterMs: setting({
    env: 'WAHOOK_STUCK_SENT_AFTER',
    description:
      'A message accepted by POST /v1/messages with no `sent` status this long after is stuck (one message.stuck event, counted in wahook_messages_stuck). Held templates are not judged. `0` or `off` turns the check off.',
    defaultText: '5m',
    secret: false,
    schema: retention('5m'),
  }),
  stuckDeliveredAfterMs: setting({
    env: 'WAHOOK_STUCK_DELIVERED_AFTER',
    description:
      'A `sent` message with no `delivered` (or `read`) this long after the send, or after its TTL when that is shorter (10 min for authentication templates), is stuck. Reactions are never judged: they only ever get `sent`. `0` or `off` turns the check off.',
    defaultText: '1h',
    secret: false,
    schema: retention('1h'),
  }),
  stuckScanIntervalMs: setting({
    env: 'WAHOOK_STUCK_SCAN_INTERVAL',
    description:
      'How often the stuck scan (part of the worker role) judges recent sends and updates wahook_messages_stuck and GET /v1/messages?stuck=true.',
    defaultText: '30s',
    secret: false,
    schema: duration('30s').refine((ms) => ms >= 100, { message: 'must be at least 100ms' }),
  }),
} as const;

export type Settings = typeof SETTINGS;
export type SettingKey = keyof Settings;

export interface HeaderAuthSource {
  source: string;
  header: string;
  secret: string;
}

function parseHeaderAuth(text: string, ctx: z.RefinementCtx): HeaderAuthSource[] {
  const sources: HeaderAuthSource[] = [];
  for (const entry of text
    .split(';')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const match = /^([a-z0-9][a-z0-9_-]{0,62})=([A-Za-z0-9-]+):(.+)$/.exec(entry);
    if (!match) {
      ctx.addIssue({
        code: 'custom',
        message:
          'each entry must read source=Header-Name:secret (source: lower-case letters, digits, - or _)',
      });
      return [];
    }
    sources.push({ source: match[1]!, header: match[2]!.toLowerCase(), secret: match[3]! });
  }
  return sources;
}

function parseRoles(text: string, ctx: z.RefinementCtx): Role[] {
  const words = text
    .split(',')
    .map((part) => part.trim().toLowerCase())
    .filter(Boolean);
  if (words.length === 0 || words.includes('all')) return [...ROLE_NAMES];
  const roles: Role[] = [];
  for (const word of words) {
    if (!(ROLE_NAMES as readonly string[]).includes(word)) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown role "${word}": use receiver, worker, delivery or all`,
      });
      return [];
    }
    roles.push(word as Role);
  }
  return roles;
}
