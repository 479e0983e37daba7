import { describeValidation, isValidationFailure } from './lib/describe-issues.js';

/**
 * The error-code registry: every failure a caller can see has a code, the HTTP status an API
 * answers with, the exit code a command ends with, and a hint that names the fix. Code throws
 * `WahookError` with a code from here; the HTTP layer (`httpAnswer`, used by the one error handler
 * in app.ts) and the CLI (`runCli`) translate it in one place each. docs/errors.md is checked
 * against this table by a test, and every HTTP route's error answers against both.
 */
export const ERROR_CODES = {
  config_invalid: {
    http: 500,
    exit: 2,
    hint: 'Fix the named setting (environment variable or config file) and start again.',
  },
  config_missing_secrets: {
    http: 500,
    exit: 2,
    hint: 'Set WAHOOK_APP_SECRETS, WAHOOK_VERIFY_TOKEN and WAHOOK_ADMIN_TOKEN, or listen on a loopback host for local mode.',
  },
  usage: { http: 400, exit: 2, hint: 'Run the command with --help to see its arguments.' },
  unknown_error_code: {
    http: 404,
    exit: 2,
    hint: 'Run `wahook explain --list` to see every WhatsApp error code in the catalog.',
  },
  unauthorized: {
    http: 401,
    exit: 2,
    hint: 'Send `Authorization: Bearer <WAHOOK_ADMIN_TOKEN>`.',
  },
  not_found: { http: 404, exit: 1, hint: 'Check the id; list what exists with the matching list endpoint.' },
  bad_request: { http: 400, exit: 2, hint: 'Fix the request as the message says.' },
  conflict: {
    http: 409,
    exit: 1,
    hint: 'Read the current state first: the change is not allowed from the state the item is in.',
  },
  body_too_large: {
    http: 413,
    exit: 2,
    hint: 'Send a smaller body: webhook bodies are limited by WAHOOK_MAX_BODY_BYTES (Meta sends up to 3 MB), admin API bodies to 1 MiB.',
  },
  unsupported_media_type: {
    http: 415,
    exit: 2,
    hint: 'Send the body as JSON with Content-Type: application/json.',
  },
  store_unavailable: {
    http: 503,
    exit: 1,
    hint: 'The store cannot write: check disk space and permissions (SQLite) or that PostgreSQL is reachable.',
  },
  shutting_down: {
    http: 503,
    exit: 1,
    hint: 'The server is stopping: retry after Retry-After, when its restart or another instance answers.',
  },
  store_migration_failed: {
    http: 500,
    exit: 1,
    hint: 'Run `wahook migrate` and read its error; restore the database from backup if a migration broke halfway.',
  },
  server_unreachable: {
    http: 502,
    exit: 1,
    hint: 'Start `wahook serve`, or pass --url and --admin-token of a running server.',
  },
  check_failed: { http: 500, exit: 1, hint: 'Read the failed checks above; each names its fix.' },
  internal: { http: 500, exit: 1, hint: 'This is a bug: the log has the details under the request id.' },
  invalid_recipient: {
    http: 422,
    exit: 2,
    hint: 'Give "to" as a phone number with + and the country code, or a national number with "region" (or set WAHOOK_DEFAULT_REGION); give a BSUID as "recipient".',
  },
  send_rejected: {
    http: 422,
    exit: 1,
    hint: 'WhatsApp refused this message as it is: change what the explanation names (template, parameters, recipient, window) before sending again.',
  },
  send_throttled: {
    http: 503,
    exit: 1,
    hint: 'Retry after the Retry-After seconds; the limit is per business number or per recipient.',
  },
  send_unavailable: {
    http: 503,
    exit: 1,
    hint: 'The Graph API failed or did not answer; retry after Retry-After with the same idempotency_key, which never sends twice.',
  },
  send_misconfigured: {
    http: 502,
    exit: 1,
    hint: 'Fix the sending setup the explanation names (WAHOOK_GRAPH_ACCESS_TOKEN, the phone number id, the app or account) before sending again.',
  },
  send_not_configured: {
    http: 503,
    exit: 2,
    hint: 'Set WAHOOK_GRAPH_ACCESS_TOKEN (and WAHOOK_GRAPH_API_URL for a BSP or `wahook fake-graph`) and restart.',
  },
  idempotency_conflict: {
    http: 409,
    exit: 2,
    hint: 'An idempotency_key names one request: use a new key for a different message or recipient.',
  },
} as const satisfies Record<string, { http: number; exit: 0 | 1 | 2; hint: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class WahookError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  constructor(code: ErrorCode, message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WahookError';
    this.code = code;
    this.hint = options?.hint ?? ERROR_CODES[code].hint;
  }
  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }
  get exitCode(): 0 | 1 | 2 {
    return ERROR_CODES[this.code].exit;
  }
}

export function isWahookError(err: unknown): err is WahookError {
  return err instanceof WahookError;
}

/**
 * Why a webhook request was refused: the second vocabulary clients see. Meta and BSPs do not read
 * these bodies, but an operator replaying a request with curl does, and `/v1/requests` and the
 * `reason` label of `wahook_webhook_requests_total` use the same names. docs/errors.md lists them
 * beside the codes above, checked by the same test.
 */
export const WEBHOOK_REJECTIONS = {
  signature_missing: { http: 401, message: 'X-Hub-Signature-256 header is missing' },
  signature_bad_prefix: { http: 401, message: 'X-Hub-Signature-256 must start with "sha256="' },
  signature_bad_length: {
    http: 401,
    message: 'X-Hub-Signature-256 must carry 64 hex characters after "sha256="',
  },
  signature_not_hex: { http: 401, message: 'X-Hub-Signature-256 must carry hex characters after "sha256="' },
  signature_mismatch: {
    http: 401,
    message: 'signature does not match the body under any configured app secret',
  },
  verify_token_mismatch: {
    http: 403,
    message: 'hub.verify_token does not match the configured verify token',
  },
  handshake_malformed: { http: 403, message: 'expected hub.mode=subscribe and a hub.challenge' },
  unknown_source: {
    http: 404,
    message: 'no header-auth source of that name is configured (WAHOOK_HEADER_AUTH)',
  },
  auth_header_missing: { http: 401, message: 'the configured authentication header is missing' },
  auth_header_mismatch: { http: 401, message: 'the authentication header does not match' },
} as const satisfies Record<string, { http: number; message: string }>;

export type WebhookRejection = keyof typeof WEBHOOK_REJECTIONS;

/** The one shape of every 4xx/5xx body the HTTP API sends. */
export interface ErrorBody {
  error: ErrorCode | WebhookRejection;
  message: string;
  hint?: string;
}

/** Status codes a framework error may carry (a malformed body, a wrong media type), by registry code. */
const CLIENT_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'bad_request',
  401: 'unauthorized',
  404: 'not_found',
  409: 'conflict',
  413: 'body_too_large',
  415: 'unsupported_media_type',
};

/** What a client is told of a server-side failure; the details go to the log, never to the client. */
const SERVER_SIDE_TEXT: Partial<Record<ErrorCode, string>> = {
  store_unavailable: 'the store cannot answer now; retry later (the server log has the details)',
  shutting_down: 'the server is stopping; retry later',
};

/**
 * Any error thrown while answering an HTTP request, as a registry error: a WahookError as it is, a
 * request that failed its route's schema as `bad_request` in the words of `describeIssues` (as the
 * routes answered when they parsed their input themselves), a client error the framework raised
 * (its `statusCode` is 4xx) as the registry code of that status (never the framework's own code),
 * anything else as `internal`.
 */
export function toWahookError(error: unknown): WahookError {
  if (error instanceof WahookError) return error;
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (status === 400 && isValidationFailure(error))
    return new WahookError('bad_request', describeValidation(error), { cause: error });
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message = error instanceof Error ? error.message : String(error);
    return new WahookError(CLIENT_STATUS[status] ?? 'bad_request', message, { cause: error });
  }
  return new WahookError('internal', 'internal error; see the server log', { cause: error });
}

/** The status, body and headers an HTTP error answer carries: `{error, message, hint}`. */
export function httpAnswer(err: WahookError): {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
} {
  const status = err.httpStatus;
  const message =
    status >= 500 ? (SERVER_SIDE_TEXT[err.code] ?? 'internal error; see the server log') : err.message;
  return {
    status,
    body: { error: err.code, message, hint: err.hint },
    // A 503 is temporary by definition: say when to come back (Meta and most clients honour it).
    headers: status === 503 ? { 'retry-after': '5' } : {},
  };
}
