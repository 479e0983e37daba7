import { Writable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { registerSimulate } from '../../../src/cli/commands/simulate.js';
import type { CliContext } from '../../../src/cli/context.js';
import { NO_LOCAL_SECRETS } from '../cli/run-cli.js';
import { type FakeReceiver, type FakeReceiverOptions, startFakeReceiver } from './fake-receiver.js';

const SECRET = 'cli_test_secret';

class Collector extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function simulate(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const stdout = new Collector();
  const stderr = new Collector();
  const ctx: CliContext = {
    env: { ...NO_LOCAL_SECRETS, ...env },
    stdout,
    stderr,
    exitCode: 0,
    stopSignal: new Promise<string>(() => undefined),
  };
  const program = new Command('wahook')
    .exitOverride()
    .configureOutput({ writeOut: (text) => stdout.write(text), writeErr: (text) => stderr.write(text) });
  registerSimulate(program, ctx);
  try {
    await program.parseAsync(['simulate', ...args], { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    return { code: err.exitCode === 0 ? 0 : 2, stdout: stdout.text, stderr: stderr.text };
  }
  return { code: ctx.exitCode, stdout: stdout.text, stderr: stderr.text };
}

const receivers: FakeReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

async function receiver(options: Omit<FakeReceiverOptions, 'secret'> = {}): Promise<FakeReceiver> {
  const started = await startFakeReceiver({ secret: SECRET, ...options });
  receivers.push(started);
  return started;
}

const FAST = ['--time-scale', '0.0001', '--max-retries', '3'];

describe('wahook simulate', () => {
  it('exits 2 and names the variable to set when there is no app secret', async () => {
    const fake = await receiver();
    const result = await simulate([fake.url, '--fixture', 'text']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('WAHOOK_APP_SECRETS');
    expect(result.stderr).toContain('--app-secret');
    expect(fake.posts).toEqual([]);
  });

  it('sends exactly one signed POST for --fixture, with the first secret of WAHOOK_APP_SECRETS', async () => {
    const fake = await receiver();
    const result = await simulate([fake.url, '--fixture', 'text'], {
      WAHOOK_APP_SECRETS: ` ${SECRET} ,old_secret`,
    });
    expect(result.code).toBe(0);
    expect(fake.posts.length).toBe(1);
    expect(fake.posts[0]?.signatureValid).toBe(true);
    expect(JSON.parse(fake.posts[0]?.body.toString('utf8') ?? '')).toMatchObject({
      object: 'whatsapp_business_account',
    });
  });

  it('lets --app-secret override the environment', async () => {
    const fake = await receiver();
    const result = await simulate([fake.url, '--fixture', 'status-read', '--app-secret', SECRET], {
      WAHOOK_APP_SECRETS: 'some_other_secret',
    });
    expect(result.code).toBe(0);
    expect(fake.posts[0]?.signatureValid).toBe(true);
  });

  it('prints a JSON summary of a scenario and exits 0 when everything was acknowledged', async () => {
    const fake = await receiver();
    const result = await simulate(
      [
        fake.url,
        '--messages',
        '10',
        '--inbound',
        '5',
        '--batch-size',
        '3',
        '--seed',
        'cli',
        '--json',
        ...FAST,
      ],
      { WAHOOK_APP_SECRETS: SECRET },
    );
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ seed: 'cli', ok: true, failed: 0, posts: fake.posts.length });
    expect(summary.acknowledged).toBe(fake.posts.length);
  });

  it('exits 1 and reports the failures when the receiver never acknowledges', async () => {
    const fake = await receiver({ answer: () => 503 });
    const result = await simulate([fake.url, '--fixture', 'text', ...FAST], { WAHOOK_APP_SECRETS: SECRET });
    expect(result.code).toBe(1);
    expect(fake.posts.length).toBe(4);
    expect(result.stdout).toMatch(/failed\s+1/);
    expect(result.stdout).toContain('HTTP 503');
  });

  it('verifies the end state through --verify-url and exits 1 on mismatches', async () => {
    const args = ['--messages', '30', '--inbound', '5', '--reorder', '0.5', '--seed', 'verify', ...FAST];
    const good = await receiver({ merge: 'rank', adminToken: 'admin' });
    const ok = await simulate([good.url, ...args, '--verify-url', good.baseUrl, '--verify-timeout', '0'], {
      WAHOOK_APP_SECRETS: SECRET,
      WAHOOK_ADMIN_TOKEN: 'admin',
    });
    expect(ok.stdout).toMatch(/verification\s+(\d+)\/\1 wamids/);
    expect(ok.code).toBe(0);
    const bad = await receiver({ merge: 'last_arrival' });
    const failed = await simulate([bad.url, ...args, '--verify-url', bad.baseUrl, '--verify-timeout', '0'], {
      WAHOOK_APP_SECRETS: SECRET,
    });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/expected outbound \w+, got outbound \w+/);
  });

  it('exits 2 when the verify URL refuses the admin token', async () => {
    const fake = await receiver({ adminToken: 'right' });
    const result = await simulate(
      [fake.url, '--fixture', 'text', '--verify-url', fake.baseUrl, '--admin-token', 'wrong'],
      {
        WAHOOK_APP_SECRETS: SECRET,
      },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('WAHOOK_ADMIN_TOKEN');
  });

  it.each([
    [['--fixture', 'no-such-fixture'], 'unknown fixture'],
    [['--reorder', '1.5'], '--reorder'],
    [['--batch-size', '1001'], '--batch-size'],
    [['--header', 'no colon here'], '--header'],
    [['--fixture', 'text', '--messages', '3'], '--fixture'],
  ])('exits 2 for bad usage %j', async (args, mention) => {
    const fake = await receiver();
    const result = await simulate([fake.url, ...args], { WAHOOK_APP_SECRETS: SECRET });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(mention);
    expect(fake.posts).toEqual([]);
  });

  it('exits 2 for a URL that is not http(s) or missing', async () => {
    expect((await simulate(['ftp://example.com/hook'], { WAHOOK_APP_SECRETS: SECRET })).code).toBe(2);
    expect((await simulate([], { WAHOOK_APP_SECRETS: SECRET })).code).toBe(2);
  });

  it('lists the fixtures without needing a URL or a secret', async () => {
    const result = await simulate(['--list-fixtures']);
    expect(result.code).toBe(0);
    for (const name of ['text', 'status-failed-131049', 'template-status', 'user-preferences']) {
      expect(result.stdout).toContain(name);
    }
  });

  it('has --help', async () => {
    const result = await simulate(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--time-scale');
  });

  it('sends BSP-style secret headers given with --header', async () => {
    const fake = await receiver();
    await simulate(
      [fake.url, '--fixture', 'text', '--header', 'D360-API-KEY: k1', '--header', 'X-Other: two words'],
      {
        WAHOOK_APP_SECRETS: SECRET,
      },
    );
    expect(fake.posts[0]?.headers['d360-api-key']).toBe('k1');
    expect(fake.posts[0]?.headers['x-other']).toBe('two words');
  });
});
