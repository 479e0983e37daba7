import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { type ChildServer, spawnServe } from '../helpers/server.js';
import { createTempDir, type TempDir } from '../helpers/tmp.js';

/**
 * A developer's first run: `wahook serve` in an empty folder with nothing configured starts in local
 * mode and prints curl lines that work as printed.
 */
const run = promisify(execFile);

let dir: TempDir;
let running: ChildServer | undefined;

beforeEach(async () => {
  dir = await createTempDir('wahook-local-');
});
afterEach(async () => {
  await running?.kill('SIGKILL');
  running = undefined;
  await dir.remove();
});

async function serveHere(): Promise<ChildServer> {
  running = await spawnServe({ cwd: dir.path, env: { WAHOOK_PORT: '0', WAHOOK_LOG_LEVEL: 'warn' } });
  return running;
}

function curlLines(output: string): string[] {
  return output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('curl '));
}

function printed(output: string, label: string): string {
  const match = new RegExp(`^\\s*${label}:\\s+(\\S+)$`, 'm').exec(output);
  if (!match) throw new Error(`"${label}" is not in the output:\n${output}`);
  return match[1]!;
}

async function bash(command: string): Promise<string> {
  const { stdout } = await run('bash', ['-c', command], { timeout: 10_000 });
  return stdout;
}

describe('local mode end to end', () => {
  test('prints curl lines that work as printed: a signed webhook, the handshake and the stats', async () => {
    const server = await serveHere();
    const output = server.stdout();
    expect(output).toContain('local mode');
    expect(printed(output, 'webhook URL')).toBe(`${server.url}/webhooks/whatsapp`);
    const [post, handshake, stats] = curlLines(output);
    expect(post).toContain('X-Hub-Signature-256: sha256=');

    expect((await bash(post!)).trim()).toBe('HTTP 200');
    expect((await bash(handshake!)).trim()).toBe('hello HTTP 200');
    expect(JSON.parse(await bash(stats!))).toMatchObject({ inbox: { total: 1 } });
  });

  test('keeps the generated secrets in ./data, owner-only, and reuses them on restart', async () => {
    const first = await serveHere();
    const secrets = ['app secret', 'verify token', 'admin token'].map((label) =>
      printed(first.stdout(), label),
    );
    const file = join(dir.path, 'data', 'local-secrets.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Object.values(JSON.parse(readFileSync(file, 'utf8')))).toEqual(secrets);
    expect((await first.kill('SIGTERM')).code).toBe(0);

    const second = await serveHere();
    expect(
      ['app secret', 'verify token', 'admin token'].map((label) => printed(second.stdout(), label)),
    ).toEqual(secrets);
    const [post] = curlLines(second.stdout());
    expect((await bash(post!)).trim()).toBe('HTTP 200');
  });
});
