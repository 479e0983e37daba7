import type { Writable } from 'node:stream';

/**
 * What every command gets from the composition root: the environment (main.ts is the only reader
 * of process.env), and where to print. Commands return an exit code instead of calling
 * process.exit, so tests can run them in-process.
 */
export interface CliContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Set by a command's action; main.ts exits with it. */
  exitCode: number;
  /** Resolves when SIGINT/SIGTERM arrives; long-running commands race their work against it. */
  readonly stopSignal: Promise<string>;
}

export function print(stream: Writable, line = ''): void {
  stream.write(`${line}\n`);
}
