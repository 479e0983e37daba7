import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliContext } from '../../src/cli/context.js';
import { runCli } from '../../src/cli/program.js';
import { createStages } from '../../src/stages.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { TEST_ADMIN_TOKEN, TEST_APP_SECRET } from '../helpers/signing.js';

function memoryContext(env: Record<string, string>): CliContext & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk));
        done();
      },
    });
  return {
    env,
    stdout: sink((text) => {
      out += text;
    }),
    stderr: sink((text) => {
      err += text;
    }),
    exitCode: 0,
    stopSignal: new Promise(() => undefined),
    out: () => out,
    err: () => err,
  };
}

/**
 * The Meta-like sender against the real pipeline: batches, duplicates and reordering in, and every
 * message must end in the state the rank rules give, read back through the admin API.
 */
describe('wahook simulate against wahook serve', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ stages: createStages });
  });

  afterAll(async () => {
    await server?.cleanup();
  });

  it('ends with every message in its right final state under duplicates and reordering', async () => {
    const ctx = memoryContext({ WAHOOK_APP_SECRETS: TEST_APP_SECRET, WAHOOK_ADMIN_TOKEN: TEST_ADMIN_TOKEN });
    const argv = ['node', 'wahook', 'simulate', `${server.url}/webhooks/whatsapp`];
    const options = ['--messages', '40', '--inbound', '20', '--batch-size', '3', '--duplicates', '0.2'];
    const chaos = ['--reorder', '0.3', '--concurrency', '8', '--seed', 'e2e-chaos', '--json'];
    const verify = ['--verify-url', server.url, '--verify-timeout', '20000'];
    const code = await runCli([...argv, ...options, ...chaos, ...verify], ctx);
    expect(code, ctx.err()).toBe(0);
    const summary = JSON.parse(ctx.out()) as {
      ok: boolean;
      acknowledged: number;
      posts: number;
      duplicatesSent: number;
      verification: { checked: number; mismatches: unknown[] } | null;
    };
    expect(summary.ok).toBe(true);
    expect(summary.acknowledged).toBe(summary.posts);
    expect(summary.duplicatesSent).toBeGreaterThan(0);
    expect(summary.verification?.mismatches).toEqual([]);
    expect(summary.verification?.checked).toBe(60);
  });
});
