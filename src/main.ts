#!/usr/bin/env node
/**
 * The executable and the composition root: the only place that reads process.env, listens for
 * signals and exits. Everything else receives what it needs as arguments.
 */
import { runCli } from './cli/program.js';

// `wahook explain --list | head` closes our stdout early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

const stopSignal = new Promise<string>((resolve) => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(signal));
});

const ctx = { env: process.env, stdout: process.stdout, stderr: process.stderr, exitCode: 0, stopSignal };

runCli(process.argv, ctx).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);
