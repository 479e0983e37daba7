/**
 * One call to the Graph API's send endpoint, as a value, never an exception: the caller decides
 * what to store from it. The distinction that matters is whether Meta may have the message:
 * - `accepted`: 200 with a wamid.
 * - `refused`: Meta's error object (the request was read and refused), with its HTTP status.
 * - `ambiguous`: the request left and no usable answer came (timeout, reset, a 5xx without
 *   Meta's error shape): Meta may have accepted it.
 * - `unreachable`: no connection was made, so nothing was sent.
 */
import { Agent, request } from 'undici';

export interface GraphTarget {
  /** Base URL without a trailing slash. */
  baseUrl: string;
  version: string;
  accessToken: string;
  style: 'cloud' | '360dialog';
  timeoutMs: number;
}

export interface MetaError {
  code: number;
  title: string | null;
  message: string | null;
  details: string | null;
  subcode: number | null;
  fbtraceId: string | null;
}

export type GraphResult =
  | {
      kind: 'accepted';
      wamid: string;
      waId: string | null;
      userId: string | null;
      messageStatus: string | null;
    }
  | { kind: 'refused'; httpStatus: number; error: MetaError }
  | { kind: 'ambiguous'; reason: string }
  | { kind: 'unreachable'; reason: string };

const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const MAX_ANSWER_BYTES = 256 * 1024;

export function createGraphAgent(): Agent {
  return new Agent({ keepAliveTimeout: 30_000, connections: 64 });
}

export function sendUrl(target: GraphTarget, phoneNumberId: string): string {
  if (target.style === '360dialog') return `${target.baseUrl}/messages`;
  return `${target.baseUrl}/${target.version}/${encodeURIComponent(phoneNumberId)}/messages`;
}

export async function postMessage(
  target: GraphTarget,
  phoneNumberId: string,
  body: unknown,
  agent: Agent,
): Promise<GraphResult> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.style === '360dialog') headers['d360-api-key'] = target.accessToken;
  else headers.authorization = `Bearer ${target.accessToken}`;
  let status: number;
  let text: string;
  try {
    const response = await request(sendUrl(target, phoneNumberId), {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      dispatcher: agent,
      headersTimeout: target.timeoutMs,
      bodyTimeout: target.timeoutMs,
      signal: AbortSignal.timeout(target.timeoutMs),
    });
    status = response.statusCode;
    text = await readBounded(response.body);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as { cause?: { code?: string } }).cause?.code;
    const reason = `${code ?? (err as Error).name}: ${(err as Error).message}`;
    return code !== undefined && NOT_SENT.has(code)
      ? { kind: 'unreachable', reason }
      : { kind: 'ambiguous', reason };
  }
  const json = parseJson(text);
  if (status >= 200 && status < 300) {
    const accepted = acceptedFrom(json);
    return accepted ?? { kind: 'ambiguous', reason: `HTTP ${status} without a wamid in the answer` };
  }
  const error = metaErrorFrom(json);
  if (error) return { kind: 'refused', httpStatus: status, error };
  return { kind: 'ambiguous', reason: `HTTP ${status} without an error object` };
}

async function readBounded(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** `messages[0].id` is the wamid; `contacts[0]` holds wa_id or user_id (keys compared loosely: Meta's samples vary). */
function acceptedFrom(json: unknown): GraphResult | undefined {
  const answer = record(json);
  const messages = Array.isArray(answer?.messages) ? answer.messages : [];
  const first = record(messages[0]);
  const wamid = text(first?.id);
  if (wamid === null) return undefined;
  const contacts = Array.isArray(answer?.contacts) ? answer.contacts : [];
  const contact = record(contacts[0]) ?? {};
  const lower = Object.fromEntries(Object.entries(contact).map(([key, value]) => [key.toLowerCase(), value]));
  return {
    kind: 'accepted',
    wamid,
    waId: text(lower.wa_id),
    userId: text(lower.user_id),
    messageStatus: text(first?.message_status) ?? text(answer?.message_status),
  };
}

function metaErrorFrom(json: unknown): MetaError | undefined {
  const error = record(record(json)?.error);
  if (!error || typeof error.code !== 'number') return undefined;
  const message = text(error.message);
  const title = message?.replace(/^\(#\d+\)\s*/, '') ?? null;
  return {
    code: error.code,
    title,
    message,
    details: text(record(error.error_data)?.details),
    subcode: typeof error.error_subcode === 'number' ? error.error_subcode : null,
    fbtraceId: text(error.fbtrace_id),
  };
}
