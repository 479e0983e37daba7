import { createStages } from '../../src/stages.js';
import {
  adminRequest,
  type HttpResponse,
  httpRequest,
  startTestServer,
  type TestServer,
  type TestServerOptions,
} from './server.js';
import { signedHeaders } from './signing.js';
import { waitFor } from './wait.js';

/**
 * The whole pipeline for end-to-end tests: a real server with the receiver and the processing
 * worker, signed POSTs over HTTP, and readers of what the admin API shows. Payload builders here
 * are written from the WhatsApp fact reference, not from src/simulate, so the parser and a test
 * cannot share a mistake.
 */

/** Receiver and worker in one process, the query API on top, on a temp SQLite file. */
export function startPipelineServer(options: TestServerOptions = {}): Promise<TestServer> {
  return startTestServer({
    ...options,
    env: { WAHOOK_ROLES: 'receiver,worker', ...options.env },
    stages: createStages,
  });
}

/** POSTs `body` to the webhook signed with the test app secret; throws unless it is answered 200. */
export async function postSigned(baseUrl: string, body: Buffer | string): Promise<void> {
  const response = await httpRequest(`${baseUrl}/webhooks/whatsapp`, {
    method: 'POST',
    headers: signedHeaders(body),
    body,
  });
  if (response.status !== 200) {
    throw new Error(`webhook POST answered ${response.status}, expected 200: ${response.text()}`);
  }
}

export interface InboxCounts {
  total: number;
  pending: number;
  quarantined: number;
  processed: number;
}

export async function readInboxCounts(baseUrl: string): Promise<InboxCounts> {
  const json = (await adminOk(baseUrl, '/v1/stats')).json<{ inbox: InboxCounts }>();
  return json.inbox;
}

/** Waits until the inbox holds `total` rows and none of them is pending. */
export async function waitUntilSettled(
  baseUrl: string,
  total: number,
  timeoutMs = 20_000,
): Promise<InboxCounts> {
  let counts: InboxCounts | undefined;
  await waitFor(
    async () => {
      counts = await readInboxCounts(baseUrl);
      return counts.total === total && counts.pending === 0;
    },
    `${total} inbox rows, none pending (last seen ${JSON.stringify(counts)})`,
    timeoutMs,
  );
  return counts!;
}

export interface EventJson<D = Record<string, unknown>> {
  id: string;
  type: string;
  schema_version: number;
  created_at: string;
  ordering_key: string;
  phone_number_id: string | null;
  data: D;
}

interface EventPage {
  events: EventJson[];
  next: string;
}

export async function readEventPage(baseUrl: string, after?: string, limit = 1000): Promise<EventPage> {
  const query = new URLSearchParams({ limit: String(limit), ...(after === undefined ? {} : { after }) });
  return (await adminOk(baseUrl, `/v1/events?${query}`)).json<EventPage>();
}

/** Walks GET /v1/events from `after` (the start when omitted) to its end; `next` is where to go on. */
export async function readEventsFrom(
  baseUrl: string,
  after?: string,
  limit = 1000,
): Promise<{ events: EventJson[]; next: string; pages: number }> {
  const events: EventJson[] = [];
  let cursor = after;
  let pages = 0;
  for (;;) {
    const page = await readEventPage(baseUrl, cursor, limit);
    pages += 1;
    events.push(...page.events);
    if (page.events.length === 0) return { events, next: page.next, pages };
    cursor = page.next;
  }
}

/** How many events of each type, e.g. `{ 'message.status': 3 }`. */
export function countByType(events: readonly EventJson[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of events) counts[event.type] = (counts[event.type] ?? 0) + 1;
  return counts;
}

export interface MessageJson {
  id: string;
  direction: string;
  status: string;
  timestamps: Record<string, string | null>;
  errors: { code: number }[];
  history: { status: string; timestamp: string }[];
}

export async function readMessage(baseUrl: string, wamid: string): Promise<MessageJson> {
  return (await adminOk(baseUrl, `/v1/messages/${encodeURIComponent(wamid)}`)).json<MessageJson>();
}

async function adminOk(baseUrl: string, path: string): Promise<HttpResponse> {
  const response = await adminRequest(baseUrl, path);
  if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}: ${response.text()}`);
  return response;
}

// ---- payloads ----

export const PHONE_NUMBER_ID = '106540352242922';
const DISPLAY_PHONE_NUMBER = '15550783881';
const WABA_ID = '102290129340398';

export interface StatusSpec {
  wamid: string;
  status: string;
  /** Unix seconds, as the sender's own timestamp. */
  timestamp: number;
  recipient?: string;
}

/** A Cloud API `messages` change carrying these status updates, as the sender would POST it. */
export function statusWebhook(statuses: readonly StatusSpec[]): Buffer {
  return cloudWebhook('messages', {
    messaging_product: 'whatsapp',
    metadata: { display_phone_number: DISPLAY_PHONE_NUMBER, phone_number_id: PHONE_NUMBER_ID },
    statuses: statuses.map((spec) => ({
      id: spec.wamid,
      status: spec.status,
      timestamp: String(spec.timestamp),
      recipient_id: spec.recipient ?? '16315551181',
    })),
  });
}

/** One change of `field` with `value` in the Cloud API envelope. */
export function cloudWebhook(field: string, value: Record<string, unknown>, time?: number): Buffer {
  return Buffer.from(
    JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [{ id: WABA_ID, ...(time === undefined ? {} : { time }), changes: [{ field, value }] }],
    }),
  );
}

/** A wamid that looks like Meta's and is unique per `n` within a test. */
export function testWamid(prefix: string, n: number): string {
  return `wamid.HBgLMTYzMTU1NTExODEVAgARGBI${Buffer.from(`${prefix}-${n}`).toString('base64')}`;
}
