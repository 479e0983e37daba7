import { type Command, Option } from 'commander';
import { WahookError } from '../errors.js';
import { readCliSettings } from './settings.js';

/**
 * A small client for the admin API of a running `wahook serve`, used by the troubleshooting
 * commands. It turns every way a call can go wrong into a WahookError that names the URL and the
 * fix, so a command only handles the answers it expects. Bodies come back as `unknown`: the
 * commands parse what they render (src/cli/format), and `--json` prints them untouched.
 */
export interface AdminClient {
  readonly baseUrl: string;
  /** The message JSON of GET /v1/messages/{wamid}, or undefined when the server has not seen it. */
  getMessage(wamid: string): Promise<unknown>;
  /** GET /v1/requests: `{requests:[…], next}`, newest first. */
  listRejectedRequests(limit: number): Promise<unknown>;
  /** POST /v1/dead-letters/replay: `{replayed}` or, with dry_run, `{would_replay, matched, reasons…}`. */
  replayDeadLetters(body: Record<string, unknown>): Promise<unknown>;
  /** POST /v1/erasure: `{erased: {messages, events, …}}`. */
  erasePerson(body: { wa_id: string } | { user_id: string }): Promise<unknown>;
  /** POST /v1/messages: the HTTP status and the answer, whatever it is (errors are explained in it). */
  sendMessage(body: Record<string, unknown>): Promise<{ status: number; body: unknown }>;
  /**
   * Any other admin call whose success is `expected` (200 unless said): the parsed body, or a
   * WahookError naming the URL; a 404 with wahook's `not_found` becomes that error with its message.
   */
  call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, options?: CallOptions): Promise<unknown>;
  /** GET with Accept: text/event-stream; the open response, whose body the caller reads and cancels. */
  openStream(path: string, signal: AbortSignal): Promise<Response>;
}

export interface CallOptions {
  body?: unknown;
  expected?: number;
}

export interface AdminClientOptions {
  baseUrl: string;
  token: string;
  /** Bounds each call from connect to the last body byte. */
  timeoutMs?: number;
}

export interface ServerFlags {
  readonly url?: string;
  readonly adminToken?: string;
  /** The older spelling of --admin-token, still accepted (hidden from --help). */
  readonly token?: string;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

/** The options every command that talks to a running server shares. */
export function addServerOptions(command: Command): Command {
  return command
    .option('--url <url>', 'base URL of the running server (default: http://127.0.0.1:$WAHOOK_PORT)')
    .option(
      '--admin-token <token>',
      "admin token (default: WAHOOK_ADMIN_TOKEN, else local mode's for a server on this machine; prefer the variable, flags end up in shell history)",
    )
    .addOption(new Option('--token <token>', 'the older name of --admin-token').hideHelp());
}

/**
 * The client for the server the flags name (default: the one `serve` starts with these settings).
 * The token is --admin-token (or its old name --token), else WAHOOK_ADMIN_TOKEN, else, for a server on this machine, the one local
 * mode generated in the data folder (src/cli/settings.ts).
 */
export function connectAdminClient(flags: ServerFlags, env: Readonly<Record<string, string | undefined>>) {
  const settings = readCliSettings(env);
  const baseUrl = flags.url === undefined ? settings.serverUrl : checkBaseUrl(flags.url);
  const token = settings.requireSecret('adminToken', baseUrl, {
    name: '--admin-token',
    value: flags.adminToken ?? flags.token,
  });
  return createAdminClient({ baseUrl, token });
}

export function createAdminClient(options: AdminClientOptions): AdminClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const send = (method: string, path: string, body?: unknown) =>
    requestJson(baseUrl, path, options.token, timeoutMs, method, body);
  const call: AdminClient['call'] = async (method, path, callOptions = {}) => {
    const answer = await send(method, path, callOptions.body);
    if (answer.status === (callOptions.expected ?? 200)) return answer.body;
    if (answer.status === 404 && errorCodeOf(answer.body) === 'not_found') {
      const hint = hintOf(answer.body);
      throw new WahookError(
        'not_found',
        messageOf(answer.body) ?? `${baseUrl}${path} is not there`,
        hint === undefined ? {} : { hint },
      );
    }
    throw unexpectedAnswer(baseUrl, path, answer);
  };
  return {
    baseUrl,
    call,
    async getMessage(wamid) {
      const path = `/v1/messages/${encodeURIComponent(wamid)}`;
      const answer = await send('GET', path);
      if (answer.status === 200) return answer.body;
      if (answer.status === 404 && errorCodeOf(answer.body) === 'not_found') return undefined;
      throw unexpectedAnswer(baseUrl, path, answer);
    },
    listRejectedRequests: (limit) => call('GET', `/v1/requests?limit=${limit}`),
    replayDeadLetters: (body) => call('POST', '/v1/dead-letters/replay', { body }),
    erasePerson: (body) => call('POST', '/v1/erasure', { body }),
    async openStream(path, signal) {
      let response: Response;
      try {
        response = await fetch(`${baseUrl}${path}`, {
          headers: { authorization: `Bearer ${options.token}`, accept: 'text/event-stream' },
          signal,
          redirect: 'manual',
        });
      } catch (err) {
        throw unreachable(baseUrl, err, timeoutMs);
      }
      if (response.status === 401) throw refusedToken(baseUrl);
      if (response.status !== 200) {
        throw unexpectedAnswer(baseUrl, path, {
          status: response.status,
          body: parseJson(await response.text()),
        });
      }
      return response;
    },
    async sendMessage(body) {
      const path = '/v1/messages';
      const answer = await send('POST', path, body);
      if (typeof answer.body === 'object' && answer.body !== null) return answer;
      throw unexpectedAnswer(baseUrl, path, answer);
    },
  };
}

interface Answer {
  status: number;
  /** Parsed JSON, or undefined when the body was not JSON. */
  body: unknown;
}

/** One call; a network failure or a 401 becomes the matching WahookError. */
async function requestJson(
  baseUrl: string,
  path: string,
  token: string,
  timeoutMs: number,
  method: string,
  body?: unknown,
): Promise<Answer> {
  let status: number;
  let text: string;
  try {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    status = response.status;
    text = await response.text();
  } catch (err) {
    throw unreachable(baseUrl, err, timeoutMs);
  }
  if (status === 401) throw refusedToken(baseUrl);
  return { status, body: parseJson(text) };
}

function refusedToken(baseUrl: string): WahookError {
  return new WahookError('unauthorized', `${baseUrl} refused the admin token (HTTP 401)`, {
    hint:
      'Set WAHOOK_ADMIN_TOKEN (or --admin-token) to the WAHOOK_ADMIN_TOKEN of the server at that URL; ' +
      'in local mode serve prints it at start and keeps it in the data folder (local-secrets.json).',
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function unreachable(baseUrl: string, err: unknown, timeoutMs: number): WahookError {
  const error = err as Error & { cause?: { code?: string; message?: string } };
  const code = error.cause?.code;
  let message: string;
  if (error.name === 'TimeoutError' || error.name === 'AbortError') {
    message = `${baseUrl} did not answer within ${timeoutMs} ms`;
  } else if (code === 'ECONNREFUSED') {
    message = `nothing is listening at ${baseUrl} (connection refused)`;
  } else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    message = `the host of ${baseUrl} cannot be resolved (${code})`;
  } else {
    message = `cannot reach ${baseUrl}: ${error.cause?.message ?? error.message}`;
  }
  return new WahookError('server_unreachable', message, { cause: err });
}

function unexpectedAnswer(baseUrl: string, path: string, answer: Answer): WahookError {
  const said = messageOf(answer.body);
  const where = `${baseUrl}${path}`;
  if (answer.body === undefined || (answer.status === 404 && said === undefined)) {
    return new WahookError(
      'server_unreachable',
      `${where} answered HTTP ${answer.status} without wahook's JSON: it does not look like a wahook server`,
      { hint: 'Pass --url with the base URL `wahook serve` prints (scheme, host and port, no path).' },
    );
  }
  const detail = said === undefined ? '' : `: ${said}`;
  if (answer.status === 400) return new WahookError('bad_request', `${where} refused the request${detail}`);
  if (answer.status === 409) {
    const hint = hintOf(answer.body);
    return new WahookError('conflict', `${where} refused${detail}`, hint === undefined ? {} : { hint });
  }
  if (answer.status === 503) return new WahookError('store_unavailable', `${where} answered 503${detail}`);
  return new WahookError('internal', `${where} answered HTTP ${answer.status}${detail}`, {
    hint: "Read the server's log around this time; it has the details of this answer.",
  });
}

function errorCodeOf(body: unknown): unknown {
  return typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
}

function hintOf(body: unknown): string | undefined {
  const hint = typeof body === 'object' && body !== null ? (body as { hint?: unknown }).hint : undefined;
  return typeof hint === 'string' ? hint : undefined;
}

function messageOf(body: unknown): string | undefined {
  const message =
    typeof body === 'object' && body !== null ? (body as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : undefined;
}

function checkBaseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WahookError('usage', `--url ${JSON.stringify(text)} is not a URL`, {
      hint: 'Pass the base URL `wahook serve` prints, e.g. --url http://127.0.0.1:8080',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new WahookError('usage', `--url must start with http:// or https://, not ${url.protocol}`, {
      hint: 'Pass the base URL `wahook serve` prints, e.g. --url http://127.0.0.1:8080',
    });
  }
  return text;
}
