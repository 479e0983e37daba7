import type { Command } from 'commander';
import { z } from 'zod';
import { addServerOptions, connectAdminClient, type ServerFlags } from '../api-client.js';
import type { CliContext } from '../context.js';
import { parseAnswer } from '../format/answer.js';
import { printAnswer } from '../format/output.js';
import { alignColumns, renderTable } from '../format/table.js';

/** `wahook stats`: GET /v1/stats as a short report: inbox, deliveries, and each subscription's backlog. */
interface StatsFlags extends ServerFlags {
  readonly json?: boolean;
}

const time = z.string().nullable();

export const statsAnswer = z.object({
  inbox: z.object({
    total: z.number(),
    pending: z.number(),
    quarantined: z.number(),
    processed: z.number(),
    oldest_pending_at: time,
  }),
  deliveries: z.object({ pending: z.number(), due: z.number(), dead: z.number(), oldest_due_at: time }),
  subscriptions: z
    .array(
      z.object({
        id: z.string(),
        pending: z.number(),
        dead: z.number(),
        oldest_pending_age_s: z.number().nullable(),
        breaker: z.string().nullable(),
      }),
    )
    .default([]),
});

export function registerStats(program: Command, ctx: CliContext): void {
  const command = program
    .command('stats')
    .description(
      "Show a running server's counts: inbox rows by state, deliveries pending, due and dead, and each " +
        "subscription's backlog, oldest pending age and breaker.",
    );
  addServerOptions(command)
    .option('--json', 'print the answer of GET /v1/stats as it comes')
    .addHelpText(
      'after',
      '\nExit code: 0 when the counts were read, 1 when the server cannot be reached, 2 for bad usage\n' +
        'or a refused admin token.',
    )
    .action(async (flags: StatsFlags) => {
      const client = connectAdminClient(flags, ctx.env);
      const json = await client.call('GET', '/v1/stats');
      printAnswer(ctx.stdout, flags.json, json, () =>
        renderStats(parseAnswer(statsAnswer, json, client.baseUrl)),
      );
      ctx.exitCode = 0;
    });
}

function renderStats(stats: z.output<typeof statsAnswer>): string[] {
  const { inbox, deliveries } = stats;
  const lines = alignColumns([
    [
      'inbox',
      `${inbox.pending} pending, ${inbox.quarantined} quarantined, ${inbox.processed} processed` +
        (inbox.oldest_pending_at === null ? '' : ` (oldest pending since ${inbox.oldest_pending_at})`),
    ],
    [
      'deliveries',
      `${deliveries.pending} pending (${deliveries.due} due now), ${deliveries.dead} dead` +
        (deliveries.oldest_due_at === null ? '' : ` (oldest due since ${deliveries.oldest_due_at})`),
    ],
  ]);
  if (stats.subscriptions.length === 0) return [...lines, '', 'no subscription has deliveries in play'];
  const rows = stats.subscriptions.map((entry) => [
    entry.id,
    String(entry.pending),
    entry.oldest_pending_age_s === null ? '-' : `${entry.oldest_pending_age_s}s`,
    String(entry.dead),
    entry.breaker ?? '-',
  ]);
  return [...lines, '', ...renderTable(['subscription', 'pending', 'oldest', 'dead', 'breaker'], rows)];
}
