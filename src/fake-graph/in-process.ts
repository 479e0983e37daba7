/**
 * The fake Graph API inside a local-mode `wahook serve` (WAHOOK_FAKE_GRAPH): started on a loopback
 * port before the server listens, so the sender can be pointed at it, and aimed at the server's
 * webhook route once that listens. A newcomer then sends with `wahook send` and watches the statuses
 * come back signed with the local app secret, with no Meta account and no second terminal.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../lib/clock.js';
import { BUSINESS_NUMBERS } from '../simulate/payloads/people.js';
import { FakeGraph } from './fake-graph.js';
import { listenFakeGraph, type RunningFakeGraph } from './server.js';

export interface InProcessFakeGraph {
  readonly url: string;
  /** The Bearer token it accepts, generated per start: only this process's sender knows it. */
  readonly accessToken: string;
  readonly phoneNumberIds: readonly string[];
  readonly running: RunningFakeGraph;
  /** Sends the status webhooks to `url`, signed with `appSecret`. */
  aimAt(url: string, appSecret: string): void;
  close(): Promise<void>;
}

/**
 * Pause between a send's status webhooks: long enough that `wahook send --follow` shows sent, then
 * delivered, then read arriving one by one, as they would from Meta.
 */
const STEP_MS = 400;

export async function startInProcessFakeGraph(clock: Clock): Promise<InProcessFakeGraph> {
  const accessToken = `fake-${randomBytes(16).toString('hex')}`;
  const fake = new FakeGraph({
    clock,
    numbers: BUSINESS_NUMBERS,
    accessTokens: [accessToken],
    // No target until the server listens; a send before that has no one to report to.
    webhook: null,
    stepMs: STEP_MS,
    // A newcomer has no inbound message to open a 24-hour window with, and a first `--text` send
    // refused with 131047 would teach the window before the tool; `wahook fake-graph` keeps it.
    openWindows: true,
  });
  const running = await listenFakeGraph(fake, { host: '127.0.0.1', port: 0 });
  return {
    url: running.url,
    accessToken,
    phoneNumberIds: BUSINESS_NUMBERS.map((number) => number.phoneNumberId),
    running,
    aimAt: (url, appSecret) => fake.webhooks.configure({ url, appSecret }),
    close: () => running.close(),
  };
}
