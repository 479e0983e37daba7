import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { Writable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { registerReplay } from '../../src/cli/commands/replay.js';
import type { CliContext } from '../../src/cli/context.js';
import { isWahookError } from '../../src/errors.js';
import { createStages } from '../../src/stages.js';
import { describeEachStore, type Subscriber, startSubscriber } from '../helpers/delivery-fixtures.js';
import { postSigned, statusWebhook, testWamid } from '../helpers/pipeline.js';
import { adminRequest, startTestServerOn, type TestServer } from '../helpers/server.js';
import { TEST_ADMIN_TOKEN } from '../helpers/signing.js';
import { waitFor } from '../helpers/wait.js';

class MemoryStream extends Writable {
  text = '';
  constructor(readonly isTTY = false) {
    super();
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

/** Runs `wahook replay <args>` in this process, mapping errors to exit codes as the CLI does. */
async function replay(args: readonly string[], env: Record<string, string | undefined>, tty = false) {
  const stdout = new MemoryStream();
  const stderr = new MemoryStream(tty);
  const ctx: CliContext = { env, stdout, stderr, exitCode: 0, stopSignal: new Promise(() => undefined) };
  const program = new Command('wahook')
    .exitOverride()
    .configureOutput({ writeOut: (text) => stdout.write(text), writeErr: (text) => stderr.write(text) });
  registerReplay(program, ctx);
  let exitCode: number;
  try {
    await program.parseAsync(['node', 'wahook', 'replay', ...args]);
    exitCode = ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) exitCode = err.exitCode === 0 ? 0 : 2;
    else if (isWahookError(err)) {
      stderr.write(`error: ${err.message}\nfix: ${err.hint}\n`);
      exitCode = err.exitCode;
    } else throw err;
  }
  return { exitCode, stdout: stdout.text, stderr: stderr.text };
}

/**
 * `wahook replay` against a running server with real dead letters, on SQLite and on PostgreSQL:
 * one server per store, its dead letters shared by the tests of that store.
 */
describeEachStore('wahook replay', (stores) => {
  let server: TestServer;
  let sink: Subscriber;
  let healthy = false;
  let subscriptionId: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    server = await startTestServerOn(stores, {
      env: { WAHOOK_ROLES: 'all', WAHOOK_DELIVERY_RETRY_DELAYS: '5ms' },
      stages: createStages,
    });
    sink = await startSubscriber(() => (healthy ? { status: 200 } : { status: 502 }));
    const created = await adminRequest(server.url, '/v1/subscriptions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: sink.url }),
    });
    subscriptionId = created.json<{ id: string }>().id;
    // Two events of two attempts each: four failures in a row, one short of opening the breaker,
    // whose pause would hold the replays below for 30 s.
    const statuses = Array.from({ length: 2 }, (_, i) => ({
      wamid: testWamid('replay-cli', i),
      status: 'sent',
      timestamp: 1767264000 + i,
    }));
    await postSigned(server.url, statusWebhook(statuses));
    await waitFor(async () => (await deadLetterCount()) === 2, 'two dead letters');
    env = { WAHOOK_ADMIN_TOKEN: TEST_ADMIN_TOKEN };
  });
  afterAll(async () => {
    await server?.cleanup();
    await sink?.close();
  });

  async function deadLetterCount(): Promise<number> {
    const page = await adminRequest(server.url, `/v1/dead-letters?subscription=${subscriptionId}`);
    return page.json<{ dead_letters: unknown[] }>().dead_letters.length;
  }

  it('counts with --dry-run and changes nothing', async () => {
    const run = await replay(['--subscription', subscriptionId, '--dry-run', '--url', server.url], env);
    expect(run).toMatchObject({ exitCode: 0, stdout: 'would replay 2 dead letters\n' });
    expect(await deadLetterCount()).toBe(2);
  });

  it('refuses bad usage with exit 2 and says what to pass', async () => {
    expect(await replay(['--url', server.url], env)).toMatchObject({
      exitCode: 2,
      stderr: expect.stringContaining('say what to replay'),
    });
    expect(await replay(['--since', 'last week', '--url', server.url], env)).toMatchObject({
      exitCode: 2,
      stderr: expect.stringContaining('--since must be an ISO-8601 time'),
    });
    expect(await replay(['--ids', '1', '--subscription', 'x', '--url', server.url], env)).toMatchObject({
      exitCode: 2,
    });
    expect(await replay(['--ids', '1', '--url', server.url], { WAHOOK_ADMIN_TOKEN: 'wrong' })).toMatchObject({
      exitCode: 2,
      stderr: expect.stringContaining('refused the admin token'),
    });
  });

  it('fails with exit 1 and a clear message when the server is unreachable', async () => {
    const closed = createNetServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const run = await replay(['--ids', '1', '--url', `http://127.0.0.1:${port}`], env);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(`nothing is listening at http://127.0.0.1:${port} (connection refused)`);
    expect(run.stderr).toMatch(/fix: Start `wahook serve`/);
  });

  it('replays in chunks with a progress bar on a terminal, and the events arrive', async () => {
    healthy = true;
    const run = await replay(
      ['--subscription', subscriptionId, '--chunk', '1', '--url', server.url],
      env,
      true,
    );
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe('replayed 2 dead letters\n');
    expect(run.stderr).toContain('\r[###############---------------] 50% 1/2');
    expect(run.stderr).toContain('100% 2/2');
    await waitFor(
      () => sink.received.filter((request) => request.status === 200).length === 2,
      'both arrive',
    );
    expect(await deadLetterCount()).toBe(0);
  });
});
