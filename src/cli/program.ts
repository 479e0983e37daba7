import { Command, CommanderError } from 'commander';
import { isWahookError } from '../errors.js';
import { VERSION } from '../version.js';
import { registerDeliveries } from './commands/deliveries.js';
import { registerDoctor } from './commands/doctor.js';
import { registerErase } from './commands/erase.js';
import { registerExplain } from './commands/explain.js';
import { registerFakeGraph } from './commands/fake-graph.js';
import { registerInbox } from './commands/inbox.js';
import { registerMigrate } from './commands/migrate.js';
import { registerPhone } from './commands/phone.js';
import { registerReplay } from './commands/replay.js';
import { registerRequests } from './commands/requests.js';
import { registerSend } from './commands/send.js';
import { registerServe } from './commands/serve.js';
import { registerSimulate } from './commands/simulate.js';
import { registerStats } from './commands/stats.js';
import { registerStatus } from './commands/status.js';
import { registerSubscriptions } from './commands/subscriptions.js';
import { registerTail } from './commands/tail.js';
import { type CliContext, print } from './context.js';

/** Builds the `wahook` command line; commands print and set ctx.exitCode, nothing exits here. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('wahook')
    .description(
      'Trustworthy WhatsApp Business webhooks: receive durably, process exactly once, deliver reliably.',
    )
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.stdout.write(text),
      writeErr: (text) => ctx.stderr.write(text),
    });
  registerServe(program, ctx);
  registerDoctor(program, ctx);
  registerSimulate(program, ctx);
  registerStatus(program, ctx);
  registerExplain(program, ctx);
  registerRequests(program, ctx);
  registerMigrate(program, ctx);
  registerReplay(program, ctx);
  registerErase(program, ctx);
  registerStats(program, ctx);
  registerSubscriptions(program, ctx);
  registerDeliveries(program, ctx);
  registerInbox(program, ctx);
  registerTail(program, ctx);
  registerFakeGraph(program, ctx);
  registerSend(program, ctx);
  registerPhone(program, ctx);
  return program;
}

/** Runs the CLI and returns the exit code: 0 success, 1 a check or operation failed, 2 bad usage. */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...argv]);
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are successes; anything else commander refuses is bad usage.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (isWahookError(err)) {
      print(ctx.stderr, `error: ${err.message}`);
      print(ctx.stderr, `fix: ${err.hint}`);
      return err.exitCode;
    }
    print(ctx.stderr, `error: ${(err as Error).message ?? String(err)}`);
    print(ctx.stderr, 'fix: this is unexpected; rerun with WAHOOK_LOG_LEVEL=debug and report the output.');
    return 1;
  }
}
