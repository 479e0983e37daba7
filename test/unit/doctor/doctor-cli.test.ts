import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerDoctor } from '../../../src/cli/commands/doctor.js';
import type { CliContext } from '../../../src/cli/context.js';
import type { DoctorReport } from '../../../src/doctor/types.js';
import { createTestCa, type TestCa } from '../../helpers/tls-fixtures.js';
import { NO_LOCAL_SECRETS } from '../cli/run-cli.js';
import { type FakeReceiver, startFakeReceiver, TEST_APP_SECRET, TEST_VERIFY_TOKEN } from './fake-receiver.js';

class MemoryStream extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

// doctor finishes on its own; no signal arrives in these tests.
const neverStops = new Promise<string>(() => undefined);

interface CliRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const stdout = new MemoryStream();
  const stderr = new MemoryStream();
  const ctx: CliContext = {
    env: { ...NO_LOCAL_SECRETS, ...env },
    stdout,
    stderr,
    exitCode: 0,
    stopSignal: neverStops,
  };
  const program = new Command('wahook')
    .exitOverride()
    .configureOutput({ writeOut: (text) => stdout.write(text), writeErr: (text) => stderr.write(text) });
  registerDoctor(program, ctx);
  try {
    await program.parseAsync(['node', 'wahook', 'doctor', ...args]);
  } catch (error) {
    // exitOverride turns --help and commander's own usage errors into exceptions; keep their code.
    const code = (error as { exitCode?: number }).exitCode;
    if (code === undefined) throw error;
    if (code !== 0) ctx.exitCode = 2;
  }
  return { exitCode: ctx.exitCode, stdout: stdout.text, stderr: stderr.text };
}

let ca: TestCa;
let caFile: string;
let server: FakeReceiver | undefined;
const env = {
  WAHOOK_VERIFY_TOKEN: TEST_VERIFY_TOKEN,
  WAHOOK_APP_SECRETS: `${TEST_APP_SECRET},an-older-secret`,
};

beforeAll(async () => {
  ca = await createTestCa();
  caFile = join(ca.dir, 'trusted-root.pem');
  await writeFile(caFile, ca.root);
});
afterAll(async () => {
  await ca.cleanup();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function goodServer(): Promise<FakeReceiver> {
  const leaf = await ca.issueLeaf();
  server = await startFakeReceiver({ tls: { key: leaf.key, cert: leaf.fullChain } });
  return server;
}

describe('wahook doctor command', () => {
  it('exits 0 against a healthy endpoint, reading the token and the first app secret from the environment', async () => {
    const { url } = await goodServer();

    const result = await runCli([url, '--ca-file', caFile, '--samples', '2'], env);

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^PASS {2}Verification handshake echoes the challenge/m);
    expect(result.stdout).toMatch(/^PASS {2}Signed test message answered 200 in time/m);
    expect(result.stdout).toMatch(/^OK: /m);
  });

  it('exits 1 on a plain-http URL and prints the failed check with its fix indented under it', async () => {
    server = await startFakeReceiver();

    const result = await runCli([server.url, '--samples', '1'], env);

    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^FAIL {2}URL uses HTTPS: .*plain http/m);
    expect(result.stdout).toMatch(/^ {6}fix: Serve the endpoint over HTTPS/m);
    expect(result.stdout).toMatch(/^FAILED: .*1 failed/m);
  });

  it('exits 1 on a self-signed certificate and names the TLS trust failure', async () => {
    const selfSigned = await ca.createSelfSigned();
    server = await startFakeReceiver({ tls: { key: selfSigned.key, cert: selfSigned.cert } });

    const result = await runCli([server.url, '--samples', '1'], env);

    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^FAIL {2}Certificate chain complete and trusted: .*self-signed/m);
  });

  it('prints only the JSON report with --json', async () => {
    const { url } = await goodServer();

    const result = await runCli([url, '--json', '--ca-file', caFile, '--samples', '1'], env);

    const report = JSON.parse(result.stdout) as DoctorReport;
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.id)).toContain('tls-trust');
    expect(report.summary.fail).toBe(0);
  });

  it('lets --verify-token and --app-secret override the environment', async () => {
    const { url } = await goodServer();
    const wrongEnv = { WAHOOK_VERIFY_TOKEN: 'stale-token', WAHOOK_APP_SECRETS: 'stale-secret' };
    const flags = ['--verify-token', TEST_VERIFY_TOKEN, '--app-secret', TEST_APP_SECRET];

    const withEnvOnly = await runCli([url, '--json', '--ca-file', caFile, '--samples', '1'], wrongEnv);
    const withFlags = await runCli(
      [url, '--json', '--ca-file', caFile, '--samples', '1', ...flags],
      wrongEnv,
    );

    expect(withEnvOnly.exitCode).toBe(1);
    expect(withFlags.exitCode).toBe(0);
  });

  it('skips the token and signature checks and names the variables when neither is configured', async () => {
    const { url } = await goodServer();

    const result = await runCli([url, '--ca-file', caFile]);

    expect(result.stdout).toMatch(/^SKIP {2}Verification handshake.*\n {6}fix: Set WAHOOK_VERIFY_TOKEN/m);
    expect(result.stdout).toMatch(/^SKIP {2}Signed test message.*\n {6}fix: Set WAHOOK_APP_SECRETS/m);
  });

  it('exits 2 and says what is wrong for an invalid URL', async () => {
    const result = await runCli(['hooks.example.com/webhooks/whatsapp']);

    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('"hooks.example.com/webhooks/whatsapp" is not a URL');
    expect(result.stderr).toContain('https://');
    expect(result.stdout).toBe('');
  });

  it('exits 2 for a bad --samples value or an unreadable --ca-file', async () => {
    const samples = await runCli(['https://hooks.example.com/', '--samples', 'many']);
    const caMissing = await runCli(['https://hooks.example.com/', '--ca-file', '/nonexistent/ca.pem']);

    expect(samples.exitCode).toBe(2);
    expect(samples.stderr).toContain('--samples must be a whole number');
    expect(caMissing.exitCode).toBe(2);
    expect(caMissing.stderr).toContain('/nonexistent/ca.pem');
  });

  it('describes every option in --help', async () => {
    const result = await runCli(['--help']);

    for (const option of [
      '--json',
      '--ca-file',
      '--samples',
      '--timeout',
      '--verify-token',
      '--app-secret',
    ]) {
      expect(result.stdout).toContain(option);
    }
    expect(result.exitCode).toBe(0);
  });
});
