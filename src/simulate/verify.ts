import { setTimeout as sleep } from 'node:timers/promises';
import { WahookError } from '../errors.js';
import type { ExpectedState } from './expected-state.js';

/**
 * Checks a receiver's end state against the simulation's expectation through the admin API:
 * `GET <base>/v1/messages/<wamid>` for every expected wamid. Processing is asynchronous, so it
 * polls the ones that do not match yet until they all do or `timeoutMs` runs out.
 */
export interface VerifyOptions {
  readonly baseUrl: string;
  readonly adminToken: string | undefined;
  readonly timeoutMs: number;
  readonly pollIntervalMs?: number;
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
}

export interface ActualState {
  readonly status: string | null;
  readonly direction: string | null;
}

export interface Mismatch {
  readonly wamid: string;
  readonly expected: ExpectedState;
  /** null when the server does not know the wamid (404). */
  readonly actual: ActualState | null;
}

export interface VerifyReport {
  readonly checked: number;
  readonly matched: number;
  readonly mismatches: Mismatch[];
}

function messageUrl(baseUrl: string, wamid: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/v1/messages/${encodeURIComponent(wamid)}`;
}

function readState(body: unknown): ActualState {
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  return { status: text(record.status), direction: text(record.direction) };
}

async function fetchState(options: VerifyOptions, wamid: string): Promise<ActualState | null> {
  let response: Response;
  try {
    response = await fetch(messageUrl(options.baseUrl, wamid), {
      headers: options.adminToken ? { authorization: `Bearer ${options.adminToken}` } : {},
      signal: options.signal ?? null,
    });
  } catch (err) {
    throw new WahookError('server_unreachable', `cannot reach ${options.baseUrl} to verify: ${String(err)}`, {
      hint: 'Check --verify-url: it is the base URL of the wahook server (e.g. http://127.0.0.1:8080).',
      cause: err,
    });
  }
  if (response.status === 401 || response.status === 403) {
    throw new WahookError('unauthorized', `${options.baseUrl} refused the admin token (${response.status})`, {
      hint: 'Pass --admin-token or set WAHOOK_ADMIN_TOKEN to the admin token of that server.',
    });
  }
  if (response.status === 404) {
    await response.body?.cancel();
    return null;
  }
  if (!response.ok) {
    throw new WahookError(
      'check_failed',
      `GET ${messageUrl(options.baseUrl, wamid)} answered ${response.status}`,
      {
        hint: 'Check the server log; verification needs GET /v1/messages/{wamid} to work.',
      },
    );
  }
  return readState(await response.json());
}

function matches(expected: ExpectedState, actual: ActualState | null): boolean {
  return actual !== null && actual.status === expected.status && actual.direction === expected.direction;
}

async function checkAll(options: VerifyOptions, states: readonly ExpectedState[]): Promise<Mismatch[]> {
  const found = new Map<ExpectedState, ActualState | null>();
  const queue = [...states];
  const worker = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      found.set(next, await fetchState(options, next.wamid));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
  // Reported in the order of the expectation, not in the order the answers came.
  return states
    .map((state) => ({ wamid: state.wamid, expected: state, actual: found.get(state) ?? null }))
    .filter((mismatch) => !matches(mismatch.expected, mismatch.actual));
}

export async function verifyExpectedStates(
  expected: readonly ExpectedState[],
  options: VerifyOptions,
): Promise<VerifyReport> {
  const giveUpAt = Date.now() + options.timeoutMs;
  let mismatches = await checkAll(options, expected);
  while (mismatches.length > 0 && Date.now() < giveUpAt && !options.signal?.aborted) {
    await sleep(options.pollIntervalMs ?? 250);
    mismatches = await checkAll(
      options,
      mismatches.map((mismatch) => mismatch.expected),
    );
  }
  return { checked: expected.length, matched: expected.length - mismatches.length, mismatches };
}
