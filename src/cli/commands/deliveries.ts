import { type Command, Option } from 'commander';
import { z } from 'zod';
import { addServerOptions, connectAdminClient, type ServerFlags } from '../api-client.js';
import type { CliContext } from '../context.js';
import { parseAnswer } from '../format/answer.js';
import { printAnswer } from '../format/output.js';
import { addPageOptions, nextPageLines, type PageFlags, pageQuery } from '../format/pages.js';
import { renderTable, truncate } from '../format/table.js';

/**
 * `wahook deliveries`: GET /v1/deliveries, the pending deliveries (attempts, last error, next
 * attempt) or the dead letters, so a failing subscriber shows long before its retries run out.
 */
interface DeliveriesFlags extends ServerFlags, PageFlags {
  readonly state: string;
  readonly subscription?: string;
  readonly json?: boolean;
}

const MAX_LIMIT = 500;

const deliveriesAnswer = z.object({
  deliveries: z.array(
    z.object({
      id: z.number(),
      event_id: z.string(),
      event_type: z.string(),
      subscription_id: z.string(),
      attempts: z.number(),
      last_error: z.string().nullable(),
      next_attempt_at: z.string().nullable(),
      dead_at: z.string().nullable().default(null),
    }),
  ),
  next: z.string().nullable(),
});

export function registerDeliveries(program: Command, ctx: CliContext): void {
  const command = program
    .command('deliveries')
    .description(
      'List pending deliveries (attempts, last error, next attempt) or dead letters of a running server.',
    )
    .addOption(
      new Option('--state <state>', 'which deliveries').choices(['pending', 'dead']).default('pending'),
    )
    .option('--subscription <id>', 'only deliveries of this subscription');
  addServerOptions(addPageOptions(command, MAX_LIMIT))
    .option('--json', 'print the answer of GET /v1/deliveries as it comes')
    .addHelpText(
      'after',
      '\nExit code: 0 when the list was read (empty or not), 1 when the server cannot be reached,\n' +
        '2 for bad usage or a refused admin token.\n\nExamples:\n' +
        '  wahook deliveries --subscription sub_abc\n  wahook deliveries --state dead --json',
    )
    .action(async (flags: DeliveriesFlags) => {
      const query = new URLSearchParams({
        state: flags.state,
        ...pageQuery(flags, MAX_LIMIT, 'after'),
        ...(flags.subscription === undefined ? {} : { subscription: flags.subscription }),
      });
      const client = connectAdminClient(flags, ctx.env);
      const json = await client.call('GET', `/v1/deliveries?${query}`);
      ctx.exitCode = 0;
      printAnswer(ctx.stdout, flags.json, json, () =>
        renderDeliveries(parseAnswer(deliveriesAnswer, json, client.baseUrl), flags.state === 'dead'),
      );
    });
}

function renderDeliveries(page: z.output<typeof deliveriesAnswer>, dead: boolean): string[] {
  if (page.deliveries.length === 0) return [dead ? 'no dead letters' : 'no pending deliveries'];
  const rows = page.deliveries.map((entry) => [
    String(entry.id),
    entry.subscription_id,
    entry.event_type,
    String(entry.attempts),
    (dead ? entry.dead_at : entry.next_attempt_at) ?? '-',
    truncate(entry.last_error ?? '-', 80),
  ]);
  const head = ['id', 'subscription', 'event', 'attempts', dead ? 'dead at' : 'next attempt', 'last error'];
  return [...renderTable(head, rows), ...nextPageLines(page.next)];
}
