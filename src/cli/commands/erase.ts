import type { Command } from 'commander';
import { WahookError } from '../../errors.js';
import { addServerOptions, connectAdminClient, type ServerFlags } from '../api-client.js';
import type { CliContext } from '../context.js';
import { printAnswer } from '../format/output.js';

/**
 * `wahook erase`: asks a running server to remove every stored trace of one person (POST
 * /v1/erasure) and prints what went, per class. The server does the work and logs only counts.
 */
interface EraseOptions extends ServerFlags {
  waId?: string;
  userId?: string;
  json?: boolean;
}

export function registerErase(program: Command, ctx: CliContext): void {
  const command = program
    .command('erase')
    .description(
      "Erase one person: message records, events and their deliveries, rejected-log rows, sends to them with their business metadata, their part of raw webhook bodies, and what subscriber answers, quarantine reasons, other messages' metadata and the texts of sends to others say of them.",
    )
    .option('--wa-id <number>', 'the person’s phone number as WhatsApp writes it (wa_id), e.g. 4915112345678')
    .option('--user-id <bsuid>', 'the person’s business-scoped user id (BSUID), e.g. DE.8841203399120045771')
    .option('--json', 'print the server’s answer as JSON');
  addServerOptions(command)
    .addHelpText(
      'after',
      '\nExit code: 0 when the erasure ran (also when nothing matched), 1 when it failed or the server\n' +
        'cannot be reached, 2 for bad usage or a refused admin token.\n\nExamples:\n' +
        '  wahook erase --wa-id 4915112345678\n' +
        '  wahook erase --user-id DE.8841203399120045771 --json',
    )
    .action(async (options: EraseOptions) => {
      ctx.exitCode = await runErase(options, ctx);
    });
}

async function runErase(options: EraseOptions, ctx: CliContext): Promise<number> {
  const given = [options.waId, options.userId].filter((value) => value !== undefined);
  if (given.length !== 1) {
    throw new WahookError('usage', 'name the person once: --wa-id <number> or --user-id <bsuid>');
  }
  const client = connectAdminClient(options, ctx.env);
  const answer = await client.erasePerson(
    options.waId !== undefined ? { wa_id: options.waId } : { user_id: options.userId as string },
  );
  printAnswer(ctx.stdout, options.json, answer, () => {
    const erased = (answer as { erased?: Record<string, unknown> }).erased;
    if (!erased || typeof erased !== 'object') {
      throw new WahookError(
        'check_failed',
        `${client.baseUrl} answered without erasure counts: is it wahook?`,
      );
    }
    return [
      'erased:',
      ...Object.entries(erased).map(([name, count]) => `  ${name.replaceAll('_', ' ')}: ${String(count)}`),
    ];
  });
  return 0;
}
