/**
 * The error-code registry: every failure a caller can see has a code, the HTTP status an API
 * answers with, the exit code a command ends with, and a hint that names the fix. Code throws
 * `WahookError` with a code from here; the HTTP layer and the CLI translate it in one place each.
 * docs/errors.md is checked against this table by a test.
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
  store_unavailable: {
    http: 503,
    exit: 1,
    hint: 'The store cannot write: check disk space and permissions (SQLite) or that PostgreSQL is reachable.',
  },
  store_migration_failed: {
    http: 500,
    exit: 1,
    hint: 'Run `wahook migrate` and read its error; restore the database from backup if a migration broke halfway.',
  },
  server_unreachable: {
    http: 502,
    exit: 1,
    hint: 'Start `wahook serve`, or pass --url and --token of a running server.',
  },
  check_failed: { http: 500, exit: 1, hint: 'Read the failed checks above; each names its fix.' },
  internal: { http: 500, exit: 1, hint: 'This is a bug: the log has the details under the request id.' },
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
