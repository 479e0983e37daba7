import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { messageWithContext } from '../../admin/message-json.js';
import { loadConfig, sqlitePath } from '../../config/load.js';
import { WahookError } from '../../errors.js';
import { openStore } from '../../store/open-store.js';
import { addServerOptions, connectAdminClient, type ServerFlags } from '../api-client.js';
import type { CliContext } from '../context.js';
import { parseMessageView } from '../format/message-view.js';
import { printAnswer } from '../format/output.js';
import { renderMessageTimeline } from '../format/timeline.js';

interface StatusFlags extends ServerFlags {
  readonly json?: boolean;
  readonly local?: boolean;
  readonly showPhone?: boolean;
}

/** Why a wamid can be unknown, in the order they are most often the cause. */
const NOT_SEEN_HINT = [
  'wahook has received no inbound message and no status webhook with this id. Either',
  '  - its status webhooks have not arrived yet: check `wahook requests` for refused deliveries and',
  '    that the app is subscribed to the WABA (docs/troubleshooting.md#verified-but-no-events);',
  '  - the wamid is wrong: use messages[0].id of the send response, including the "wamid." prefix;',
  '  - or it was sent by another system or Meta app whose webhooks go to a different URL.',
].join('\n');

export function registerStatus(program: Command, ctx: CliContext): void {
  const command = program
    .command('status')
    .description(
      "Show a message's status timeline: current status, direction, counterpart, every status update with " +
        "the sender's timestamp, and errors with their explanations.",
    )
    .argument('<wamid>', 'the message id (wamid.…) from the send response or a webhook');
  addServerOptions(command)
    .option('--local', 'read the store of WAHOOK_DATABASE_URL directly instead of asking a running server')
    .option('--json', 'print the message JSON as the API returns it')
    .option('--show-phone', 'print phone numbers in full (masked by default)')
    .addHelpText(
      'after',
      '\nExit code: 0 when the message is known, 1 when it has not been seen (or the server cannot be\n' +
        'reached), 2 for bad usage or a refused admin token.',
    )
    .action(async (wamid: string, flags: StatusFlags) => {
      const token = flags.adminToken ?? flags.token;
      if (flags.local === true && (flags.url !== undefined || token !== undefined)) {
        throw new WahookError(
          'usage',
          '--local reads the store directly; it takes no --url or --admin-token',
        );
      }
      const { json, origin } =
        flags.local === true
          ? await readFromStore(wamid, ctx.env)
          : await readFromServer(wamid, flags, ctx.env);
      if (json === undefined) {
        throw new WahookError('not_found', `message ${wamid} not seen yet (asked ${origin})`, {
          hint: NOT_SEEN_HINT,
        });
      }
      printAnswer(ctx.stdout, flags.json, json, () =>
        renderMessageTimeline(parseMessageView(json, origin), { showPhone: flags.showPhone === true }),
      );
      ctx.exitCode = 0;
    });
}

interface Lookup {
  /** The message JSON, or undefined when not seen. */
  json: unknown;
  /** Where it was looked up, for messages. */
  origin: string;
}

async function readFromServer(wamid: string, flags: ServerFlags, env: CliContext['env']): Promise<Lookup> {
  const client = connectAdminClient(flags, env);
  return { json: await client.getMessage(wamid), origin: client.baseUrl };
}

/**
 * The same JSON the API answers, read from the store: for when the server is down or the admin API
 * is not reachable from this shell. Only reads, but opening the store applies pending migrations,
 * as any wahook process does.
 */
async function readFromStore(wamid: string, env: CliContext['env']): Promise<Lookup> {
  const config = loadConfig(env);
  const sqlite = config.databaseUrl.startsWith('sqlite:');
  const origin = sqlite ? `the store ${sqlitePath(config.databaseUrl)}` : 'the PostgreSQL store';
  if (sqlite && !existsSync(sqlitePath(config.databaseUrl))) {
    throw new WahookError(
      'config_invalid',
      `--local: there is no store at ${sqlitePath(config.databaseUrl)}`,
      {
        hint: 'Set WAHOOK_DATABASE_URL to the store `wahook serve` uses (run from the same folder), or drop --local to ask the running server.',
      },
    );
  }
  const store = await openStore(config.databaseUrl);
  try {
    const [stored, context] = await Promise.all([store.getMessage(wamid), store.getMessageContext(wamid)]);
    return { json: messageWithContext(wamid, stored, context), origin };
  } finally {
    await store.close();
  }
}
