import { type Command, Option } from 'commander';
import { z } from 'zod';
import { WahookError } from '../../errors.js';
import { type AdminClient, addServerOptions, connectAdminClient, type ServerFlags } from '../api-client.js';
import type { CliContext } from '../context.js';
import { collect, commaList, parseLimit } from '../flags.js';
import { parseAnswer } from '../format/answer.js';
import { printAnswer } from '../format/output.js';
import { alignColumns, renderTable, truncate } from '../format/table.js';
import { statsAnswer } from './stats.js';

/**
 * `wahook subscriptions list|add|remove|enable|pause|test`: the /v1/subscriptions API from a shell.
 * `enable` is the one way back to delivering: it re-enables a disabled subscription (after a 410)
 * and resumes a paused one. Secrets print only where they are made (`add`) and in --json.
 */
interface Flags extends ServerFlags {
  readonly json?: boolean;
}

interface AddFlags extends Flags {
  readonly events?: string;
  readonly phoneNumberIds?: string;
  readonly header: string[];
  readonly description?: string;
  readonly secret?: string;
  readonly paused?: boolean;
  readonly batchMaxEvents?: string;
  readonly batchMaxWait?: string;
}

const subscriptionAnswer = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  phone_number_ids: z.array(z.string()).nullable().default(null),
  description: z.string().nullable().default(null),
  enabled: z.boolean(),
  disabled_reason: z.string().nullable().default(null),
  paused: z.boolean().default(false),
  batch: z.object({ max_events: z.number(), max_wait: z.string() }).nullable().default(null),
  source: z.string().optional(),
  secret: z.string().optional(),
});

type SubscriptionAnswer = z.output<typeof subscriptionAnswer>;

/** `batch` of the POST body from --batch-max-events and --batch-max-wait (the server checks the wait). */
function batchField(flags: AddFlags): { batch?: { max_events: number; max_wait: string } } {
  if (flags.batchMaxEvents === undefined) {
    if (flags.batchMaxWait === undefined) return {};
    throw new WahookError(
      'usage',
      '--batch-max-wait needs --batch-max-events: how many events one POST carries',
    );
  }
  const maxEvents = parseLimit('--batch-max-events', flags.batchMaxEvents, 1000);
  return { batch: { max_events: maxEvents, max_wait: flags.batchMaxWait ?? '1s' } };
}

const EXIT_NOTE =
  '\nExit code: 0 on success, 1 when the server cannot be reached or has no such subscription,\n' +
  '2 for bad usage or a refused admin token.';

export function registerSubscriptions(program: Command, ctx: CliContext): void {
  const group = program
    .command('subscriptions')
    .description('List, add, remove, enable, pause and test the subscriptions of a running server.');

  subcommand(group, 'list', 'List subscriptions with their state, backlog and breaker (no secrets).').action(
    async (flags: Flags) => {
      const client = connectAdminClient(flags, ctx.env);
      const json = await client.call('GET', '/v1/subscriptions');
      // The table adds each subscription's backlog from /v1/stats; --json is the list as it came.
      const stats = flags.json === true ? undefined : await client.call('GET', '/v1/stats');
      printAnswer(ctx.stdout, flags.json, json, () =>
        renderList(
          parseAnswer(z.object({ subscriptions: z.array(subscriptionAnswer) }), json, client.baseUrl)
            .subscriptions,
          parseAnswer(statsAnswer, stats, client.baseUrl),
        ),
      );
    },
  );

  subcommand(group, 'add', 'Add a subscription: events are POSTed to <url>, signed with its whsec_ secret.')
    .argument('<url>', 'where events are POSTed (http:// or https://)')
    .option('--events <types>', 'comma-separated event types or prefixes (message.status, message.*)', '*')
    .option('--phone-number-ids <ids>', 'only events of these business phone number ids (comma-separated)')
    .addOption(
      new Option('--header <line>', "extra header on every delivery, 'Name: value' (repeatable)")
        .argParser(collect)
        .default([], 'none'),
    )
    .option('--description <text>', 'free text for people')
    .option('--secret <whsec>', 'bring your own whsec_ secret (default: generated)')
    .option('--paused', 'create it paused: deliveries queue up until `enable`')
    .option(
      '--batch-max-events <n>',
      'POST events in JSON arrays of up to n (1 to 1000) instead of one by one',
    )
    .option(
      '--batch-max-wait <duration>',
      'with --batch-max-events: send a partial batch after this wait (default 1s)',
    )
    .action(async (url: string, flags: AddFlags) => {
      const body = {
        ...batchField(flags),
        url,
        events: commaList(flags.events ?? '*'),
        ...(flags.phoneNumberIds === undefined ? {} : { phone_number_ids: commaList(flags.phoneNumberIds) }),
        ...(flags.header.length === 0 ? {} : { headers: parseHeaders(flags.header) }),
        ...(flags.description === undefined ? {} : { description: flags.description }),
        ...(flags.secret === undefined ? {} : { secret: flags.secret }),
      };
      const client = connectAdminClient(flags, ctx.env);
      let json = await client.call('POST', '/v1/subscriptions', { body, expected: 201 });
      const created = parseAnswer(subscriptionAnswer, json, client.baseUrl);
      if (flags.paused === true) json = await patch(client, created.id, { paused: true });
      printAnswer(ctx.stdout, flags.json, json, () => [
        `added ${created.id} (${flags.paused === true ? 'paused' : 'enabled'})`,
        ...alignColumns([
          ['  url', created.url],
          ['  events', created.events.join(',')],
          ...(created.batch === null
            ? []
            : [['  batch', `up to ${created.batch.max_events} events, or after ${created.batch.max_wait}`]]),
          ['  secret', created.secret ?? '(see --json)'],
        ]),
        'Verify deliveries with this secret (Standard Webhooks); `wahook subscriptions test` sends one.',
      ]);
    });

  subcommand(group, 'remove', 'Remove a subscription with its deliveries and dead letters.')
    .argument('<id>', 'the subscription id (sub_…)')
    .action(async (id: string, flags: Flags) => {
      const client = connectAdminClient(flags, ctx.env);
      await client.call('DELETE', `/v1/subscriptions/${encodeURIComponent(id)}`, { expected: 204 });
      printAnswer(ctx.stdout, flags.json, { removed: id }, () => [`removed ${id}`]);
    });

  subcommand(
    group,
    'enable',
    'Deliver again: re-enable a disabled subscription (e.g. after a 410) and resume a paused one.',
  )
    .argument('<id>', 'the subscription id (sub_…)')
    .action(async (id: string, flags: Flags) => {
      const client = connectAdminClient(flags, ctx.env);
      const json = await patch(client, id, { enabled: true, paused: false });
      printAnswer(ctx.stdout, flags.json, json, () => [
        `enabled ${id}`,
        `Dead letters stay dead until replayed: wahook replay --subscription ${id} --dry-run counts them.`,
      ]);
    });

  subcommand(
    group,
    'pause',
    'Pause a subscription: deliveries queue up as pending, none is sent or dead-lettered, until `enable`.',
  )
    .argument('<id>', 'the subscription id (sub_…)')
    .action(async (id: string, flags: Flags) => {
      const client = connectAdminClient(flags, ctx.env);
      const json = await patch(client, id, { paused: true });
      printAnswer(ctx.stdout, flags.json, json, () => [
        `paused ${id}; resume with: wahook subscriptions enable ${id}`,
      ]);
    });

  subcommand(
    group,
    'test',
    'Send a signed wahook.test event to a subscription now, outside the queue, and show how it answered.',
  )
    .argument('<id>', 'the subscription id (sub_…)')
    .addHelpText(
      'after',
      '\nThe test is not stored or retried and changes nothing; exit 1 when the endpoint did not answer 2xx.',
    )
    .action(async (id: string, flags: Flags) => {
      const client = connectAdminClient(flags, ctx.env);
      const json = await client.call('POST', `/v1/subscriptions/${encodeURIComponent(id)}/test`);
      const result = parseAnswer(testAnswer, json, client.baseUrl);
      ctx.exitCode = result.ok ? 0 : 1;
      printAnswer(ctx.stdout, flags.json, json, () => {
        const answered = result.status === null ? 'no answer' : `HTTP ${result.status}`;
        return [
          `${result.ok ? 'OK' : 'FAILED'}: ${answered} in ${result.latency_ms} ms (event ${result.event_id})`,
          ...(result.error === null ? [] : [`  ${result.error}`]),
        ];
      });
    });
}

const testAnswer = z.object({
  event_id: z.string(),
  ok: z.boolean(),
  status: z.number().nullable(),
  latency_ms: z.number(),
  error: z.string().nullable(),
});

function subcommand(group: Command, name: string, description: string): Command {
  const command = group.command(name).description(description);
  return addServerOptions(command)
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', EXIT_NOTE);
}

function patch(client: AdminClient, id: string, body: Record<string, unknown>): Promise<unknown> {
  return client.call('PATCH', `/v1/subscriptions/${encodeURIComponent(id)}`, { body });
}

function stateOf(subscription: SubscriptionAnswer): string {
  if (!subscription.enabled) {
    return subscription.disabled_reason === null
      ? 'disabled'
      : `disabled: ${truncate(subscription.disabled_reason, 40)}`;
  }
  return subscription.paused ? 'paused' : 'enabled';
}

function renderList(
  subscriptions: readonly SubscriptionAnswer[],
  stats: z.output<typeof statsAnswer>,
): string[] {
  if (subscriptions.length === 0) return ['no subscriptions; add one with `wahook subscriptions add <url>`'];
  const backlog = new Map(stats.subscriptions.map((entry) => [entry.id, entry]));
  const rows = subscriptions.map((entry) => {
    const held = backlog.get(entry.id);
    return [
      entry.id,
      stateOf(entry),
      String(held?.pending ?? 0),
      String(held?.dead ?? 0),
      held?.breaker ?? '-',
      entry.events.join(','),
      truncate(entry.url, 60),
    ];
  });
  return renderTable(['id', 'state', 'pending', 'dead', 'breaker', 'events', 'url'], rows);
}

function parseHeaders(lines: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) {
      throw new WahookError('usage', `--header takes 'Name: value', got ${JSON.stringify(line)}`);
    }
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return headers;
}
