import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpAnswer, WahookError } from '../errors.js';
import { httpServerOptions } from './http-server-options.js';

/**
 * What a process serves while its store cannot be opened yet (PostgreSQL down at boot): it stays
 * alive and says why, instead of exiting and being restarted in a loop by its supervisor.
 * /healthz answers 200 with the reason (the process is alive and will recover by itself, so a
 * liveness probe must not kill it), /readyz 503 (keep it out of a load balancer's rotation), and
 * every other request 503 with Retry-After, which Meta treats as "try again later".
 */
export interface WaitingServer {
  readonly port: number;
  readonly url: string;
  /** The last reason the store could not be opened. */
  reason: string;
  close(): Promise<void>;
}

export async function startWaitingServer(options: {
  host: string;
  port: number;
  reason: string;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}): Promise<WaitingServer> {
  const server = http.createServer(httpServerOptions(options));
  const state = { reason: options.reason };
  server.on('request', (request, response) => {
    // The body is not needed; reading it lets keep-alive connections carry on.
    request.resume();
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && path === '/healthz') {
      return answer(response, 200, { status: 'waiting_for_store', reason: state.reason });
    }
    const unavailable = httpAnswer(new WahookError('store_unavailable', 'the store is not open yet'));
    for (const [name, value] of Object.entries(unavailable.headers)) response.setHeader(name, value);
    if (request.method === 'GET' && path === '/readyz') {
      return answer(response, 503, { status: 'not_ready', ...unavailable.body });
    }
    return answer(response, 503, unavailable.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    port,
    url: `http://${host}:${port}`,
    get reason() {
      return state.reason;
    },
    set reason(value: string) {
      state.reason = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function answer(response: http.ServerResponse, status: number, body: object): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}
