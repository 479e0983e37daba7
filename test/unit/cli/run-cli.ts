import { Writable } from 'node:stream';
import type { CliContext } from '../../../src/cli/context.js';
import { runCli } from '../../../src/cli/program.js';

/** Collects what a command prints. */
class MemoryStream extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

export interface CliRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A data folder that does not exist: commands run in this process would otherwise look for
 * local-mode secrets in ./data of the checkout, where a developer's `npm start` may have left some.
 */
export const NO_LOCAL_SECRETS = { WAHOOK_DATA_DIR: '/nonexistent/wahook-test-data' } as const;

// These commands end on their own; no signal arrives in the tests.
const neverStops = new Promise<string>(() => undefined);

/** Runs `wahook <args>` in this process through the real program, with only `env` as environment. */
export async function runWahook(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<CliRun> {
  const stdout = new MemoryStream();
  const stderr = new MemoryStream();
  const ctx: CliContext = {
    env: { ...NO_LOCAL_SECRETS, ...env },
    stdout,
    stderr,
    exitCode: 0,
    stopSignal: neverStops,
  };
  const exitCode = await runCli(['node', 'wahook', ...args], ctx);
  return { exitCode, stdout: stdout.text, stderr: stderr.text };
}
