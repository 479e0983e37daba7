import type { ServerOptions } from 'node:http';

/**
 * How often Node looks for requests past their deadline. Its default (30 s) meant a client that
 * drips its headers or body was cut off up to 30 s after WAHOOK_HEADERS_TIMEOUT or
 * WAHOOK_REQUEST_TIMEOUT, so a few hundred slow sockets could hold connections far longer than
 * documented. Once a second costs one pass over the open connections.
 */
export const DEADLINE_CHECK_EVERY_MS = 1_000;

/** The Node HTTP server options of every listening surface (the app and the waiting server). */
export function httpServerOptions(deadlines: {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}): ServerOptions {
  return {
    headersTimeout: deadlines.headersTimeoutMs,
    requestTimeout: deadlines.requestTimeoutMs,
    connectionsCheckingInterval: DEADLINE_CHECK_EVERY_MS,
  };
}
