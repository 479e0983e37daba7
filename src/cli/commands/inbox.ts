import { type Command, Option } from 'commander';
import { z } from 'zod';
import { WahookError } from '../../errors.js';
import { addServerOptions, connectAdminClient, type ServerFlags } from '../api-client.js';
import type { CliContext } from '../context.js';
import { parseAnswer } from '../format/answer.js';
import { printAnswer } from '../format/output.js';
import { addPageOptions, nextPageLines, type PageFlags, pageQuery } from '../format/pages.js';
import { renderTable, truncate } from '../format/table.js';

/**
 * `wahook inbox`: the stored webhook rows of a running server (GET /v1/inbox), by default the
 * quarantined ones with their reason, and their reprocessing after a fix (POST …/reprocess).
 */
interface InboxFlags extends ServerFlags, PageFlags {
  readonly state: string;
  readonly reprocess?: string;
  readonly reprocessAll?: boolean;
  readonly json?: boolean;
}

const MAX_LIMIT = 500;

const inboxAnswer = z.object({
  inbox: z.array(
    z.object({
      id: z.number(),
      received_at: z.string(),
      state: z.string(),
      attempts: z.number(),
      error: z.string().nullable(),
      body_bytes: z.number(),
    }),
  ),
  next: z.string().nullable(),
});

const requeuedAnswer = z.object({ requeued: z.number() });

export function registerInbox(program: Command, ctx: CliContext): void {
  const command = program
    .command('inbox')
    .description(
      'List stored webhook rows of a running server (quarantined ones by default, with the reason), ' +
        'or send quarantined rows back to processing.',
    )
    .addOption(
      new Option('--state <state>', 'which rows to list')
        .choices(['quarantined', 'pending', 'processed'])
        .default('quarantined'),
    );
  addPageOptions(command, MAX_LIMIT, ' (newest first)')
    .option('--reprocess <id>', 'send this quarantined row back to processing')
    .option('--reprocess-all', 'send every quarantined row back to processing');
  addServerOptions(command)
    .option('--json', 'print the API answer as it comes')
    .addHelpText(
      'after',
      '\nReprocessing parses a row again with the running code: do it after the upgrade or fix that\n' +
        'the quarantine reason asks for.\n' +
        'Exit code: 0 on success, 1 when the server cannot be reached, the row is unknown or not\n' +
        'quarantined, 2 for bad usage or a refused admin token.',
    )
    .action(async (flags: InboxFlags) => {
      if (flags.reprocess !== undefined && flags.reprocessAll === true) {
        throw new WahookError('usage', 'give either --reprocess <id> or --reprocess-all, not both');
      }
      if (flags.reprocess !== undefined && !/^\d+$/.test(flags.reprocess)) {
        throw new WahookError(
          'usage',
          `--reprocess takes an inbox row id (a number), not ${JSON.stringify(flags.reprocess)}`,
        );
      }
      if (flags.after !== undefined && !/^\d+$/.test(flags.after)) {
        throw new WahookError(
          'usage',
          `--after takes the "next" cursor an earlier page printed (a number), not ${JSON.stringify(flags.after)}`,
        );
      }
      const query = new URLSearchParams({ state: flags.state, ...pageQuery(flags, MAX_LIMIT, 'before') });
      const client = connectAdminClient(flags, ctx.env);
      ctx.exitCode = 0;
      if (flags.reprocess !== undefined || flags.reprocessAll === true) {
        const path =
          flags.reprocess === undefined ? '/v1/inbox/reprocess' : `/v1/inbox/${flags.reprocess}/reprocess`;
        const json = await client.call('POST', path);
        printAnswer(ctx.stdout, flags.json, json, () => {
          const { requeued } = parseAnswer(requeuedAnswer, json, client.baseUrl);
          return [`requeued ${requeued} row${requeued === 1 ? '' : 's'} for processing`];
        });
        return;
      }
      const json = await client.call('GET', `/v1/inbox?${query}`);
      printAnswer(ctx.stdout, flags.json, json, () =>
        renderInbox(parseAnswer(inboxAnswer, json, client.baseUrl), flags.state),
      );
    });
}

function renderInbox(page: z.output<typeof inboxAnswer>, state: string): string[] {
  if (page.inbox.length === 0) return [`no ${state} rows`];
  const rows = page.inbox.map((row) => [
    String(row.id),
    row.received_at,
    row.state,
    String(row.body_bytes),
    truncate(row.error ?? '-', 90),
  ]);
  return [
    ...renderTable(['id', 'received', 'state', 'bytes', 'reason'], rows),
    ...nextPageLines(page.next),
    ...(state === 'quarantined'
      ? ['', 'After fixing the cause: wahook inbox --reprocess <id>, or --reprocess-all']
      : []),
  ];
}
