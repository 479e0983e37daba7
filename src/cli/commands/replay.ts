import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { z } from 'zod';
import { WahookError } from '../../errors.js';
import { type AdminClient, addServerOptions, connectAdminClient, type ServerFlags } from '../api-client.js';
import { type CliContext, print } from '../context.js';
import { printAnswer } from '../format/output.js';

/**
 * `wahook replay`: re-queues dead letters on a running server through its API (the server does the
 * work, the command only asks and reports). A large replay goes in chunks, with a progress bar on
 * a terminal; each chunk is one POST /v1/dead-letters/replay.
 */
interface ReplayOptions extends ServerFlags {
  ids?: string;
  subscription?: string;
  since?: string;
  error?: string;
  dryRun?: boolean;
  json?: boolean;
  chunk: string;
}

type Selector = { ids: number[] } | { subscription?: string; since?: string; error?: string };

const DEFAULT_CHUNK = 500;

export function registerReplay(program: Command, ctx: CliContext): void {
  const command = program
    .command('replay')
    .description(
      'Replay dead letters on a running server: they are delivered again, with the same event ids.',
    )
    .option('--ids <ids>', 'comma-separated dead letter ids (from GET /v1/dead-letters)')
    .option('--subscription <id>', 'only dead letters of this subscription')
    .option('--since <time>', 'only dead letters that died at or after this ISO-8601 time')
    .option('--error <text>', 'only dead letters whose last error contains this text')
    .option('--dry-run', 'only count what would be replayed, and say why any would not be sent')
    .option('--json', 'print the dry run or the final count as JSON')
    .option('--chunk <n>', 'dead letters per request', String(DEFAULT_CHUNK));
  addServerOptions(command)
    .addHelpText(
      'after',
      '\nExit code: 0 when the replay was accepted, 1 when it failed or the server cannot be reached,\n' +
        '2 for bad usage or a refused admin token.\n\nExamples:\n' +
        '  wahook replay --subscription sub_abc --since 2026-01-31T00:00:00Z --dry-run\n' +
        '  wahook replay --ids 17,18,21',
    )
    .action(async (options: ReplayOptions) => {
      ctx.exitCode = await runReplay(options, ctx);
    });
}

async function runReplay(options: ReplayOptions, ctx: CliContext): Promise<number> {
  const selector = selectorFrom(options);
  const chunk = Number(options.chunk);
  if (!Number.isSafeInteger(chunk) || chunk < 1) throw usage('--chunk must be a positive whole number');
  const client = connectAdminClient(options, ctx.env);
  const preview = await dryRun(client, selector);
  const total = preview.would_replay;
  if (options.dryRun) {
    printAnswer(ctx.stdout, options.json, preview, () => {
      const of = preview.matched === total ? '' : ` of ${preview.matched} matching`;
      return [
        `would replay ${total}${of} dead letter${preview.matched === 1 ? '' : 's'}`,
        ...preview.reasons.map((reason) => `  ${reason}`),
      ];
    });
    return 0;
  }
  // Nothing to send is not a failure, but the operator must learn why at once.
  if (total === 0 || preview.reasons.length > 0) {
    for (const reason of preview.reasons) print(ctx.stderr, `note: ${reason}`);
  }
  const progress = new Progress(ctx.stderr, total);
  let replayed = 0;
  for (const part of chunks(selector, chunk)) {
    if (!('ids' in selector) && replayed >= total) break;
    // With filters, each request takes the next `chunk` matching dead letters; stop at the count
    // seen up front so that letters dying again during the replay are not taken twice.
    const count = await replay(client, part, {
      limit: 'ids' in part ? undefined : Math.min(chunk, total - replayed),
    });
    replayed += count;
    progress.update(replayed);
    if (count === 0 && !('ids' in part)) break;
  }
  progress.done();
  if (options.json === true) print(ctx.stdout, JSON.stringify({ replayed }));
  else print(ctx.stdout, `replayed ${plural(replayed)}`);
  return 0;
}

function plural(count: number): string {
  return `${count} dead letter${count === 1 ? '' : 's'}`;
}

function selectorFrom(options: ReplayOptions): Selector {
  const filtered =
    options.subscription !== undefined || options.since !== undefined || options.error !== undefined;
  if (options.ids !== undefined) {
    if (filtered) throw usage('give either --ids or filters (--subscription, --since, --error), not both');
    const ids = options.ids.split(',').map((part) => part.trim());
    if (ids.length === 0 || ids.some((id) => !/^\d+$/.test(id))) {
      throw usage('--ids takes dead letter ids separated by commas, e.g. --ids 17,18,21');
    }
    return { ids: ids.map(Number) };
  }
  if (!filtered)
    throw usage('say what to replay: --ids, or --subscription and/or --since (add --dry-run to count first)');
  if (
    options.since !== undefined &&
    (!/^\d{4}-\d{2}-\d{2}/.test(options.since) || Number.isNaN(Date.parse(options.since)))
  ) {
    throw usage(`--since must be an ISO-8601 time, e.g. 2026-01-31T00:00:00Z (got "${options.since}")`);
  }
  return {
    ...(options.subscription === undefined ? {} : { subscription: options.subscription }),
    ...(options.since === undefined ? {} : { since: options.since }),
    ...(options.error === undefined ? {} : { error: options.error }),
  };
}

function* chunks(selector: Selector, size: number): Generator<Selector> {
  if (!('ids' in selector)) {
    for (;;) yield selector;
  }
  for (let start = 0; start < selector.ids.length; start += size) {
    yield { ids: selector.ids.slice(start, start + size) };
  }
}

const replayAnswer = z.object({ replayed: z.number().int() }).transform((body) => body.replayed);

/** The dry run's answer (src/deliver/replay-preview.ts); older servers send only `would_replay`. */
const previewAnswer = z.object({
  would_replay: z.number().int(),
  matched: z.number().int().optional(),
  subscriptions: z.array(z.unknown()).default([]),
  reasons: z.array(z.string()).default([]),
});

type PreviewAnswer = z.output<typeof previewAnswer>;

async function dryRun(client: AdminClient, selector: Selector): Promise<PreviewAnswer & { matched: number }> {
  const answer = await client.replayDeadLetters({ ...selector, dry_run: true });
  const parsed = previewAnswer.safeParse(answer);
  if (!parsed.success) {
    throw new WahookError('check_failed', `${client.baseUrl} answered without a replay count: is it wahook?`);
  }
  return { ...parsed.data, matched: parsed.data.matched ?? parsed.data.would_replay };
}

/** One replay request through the shared admin client; answers how many dead letters it covered. */
async function replay(
  client: AdminClient,
  selector: Selector,
  options: { limit?: number | undefined },
): Promise<number> {
  const answer = await client.replayDeadLetters({
    ...selector,
    ...(options.limit === undefined ? {} : { limit: options.limit }),
  });
  const parsed = replayAnswer.safeParse(answer);
  if (parsed.success) return parsed.data;
  throw new WahookError('check_failed', `${client.baseUrl} answered without a replay count: is it wahook?`);
}

function usage(message: string): WahookError {
  return new WahookError('usage', message);
}

/** A bar redrawn in place on a terminal; on anything else, a plain line per update. */
class Progress {
  private readonly tty: boolean;

  constructor(
    private readonly stream: Writable,
    private readonly total: number,
  ) {
    this.tty = (stream as Writable & { isTTY?: boolean }).isTTY === true;
  }

  update(done: number): void {
    if (this.total === 0) return;
    const shown = Math.min(done, this.total);
    if (!this.tty) {
      print(this.stream, `replayed ${shown}/${this.total}`);
      return;
    }
    const width = 30;
    const filled = Math.round((shown / this.total) * width);
    const percent = Math.round((shown / this.total) * 100);
    this.stream.write(
      `\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${percent}% ${shown}/${this.total}`,
    );
  }

  done(): void {
    if (this.tty && this.total > 0) this.stream.write('\n');
  }
}
