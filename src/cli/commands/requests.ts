import type { Command } from 'commander';
import { addServerOptions, connectAdminClient, type ServerFlags } from '../api-client.js';
import type { CliContext } from '../context.js';
import { parseLimit } from '../flags.js';
import { printAnswer } from '../format/output.js';
import { parseRequestLog, renderRequestLog } from '../format/requests-table.js';

interface RequestsFlags extends ServerFlags {
  readonly json?: boolean;
  readonly limit: string;
}

/** The server answers at most this many per call (GET /v1/requests). */
const MAX_LIMIT = 500;

export function registerRequests(program: Command, ctx: CliContext): void {
  const command = program
    .command('requests')
    .description(
      'List the webhook requests the server refused (bad or missing signature, too large…), newest first, ' +
        'with the reason and hints on the cause.',
    );
  addServerOptions(command)
    .option('--limit <n>', `how many to show, 1 to ${MAX_LIMIT}`, '20')
    .option('--json', 'print the answer of GET /v1/requests as it comes, headers and body prefix included')
    .addHelpText(
      'after',
      '\nExit code: 0 when the log was read (empty or not), 1 when the server cannot be reached,\n' +
        '2 for bad usage or a refused admin token.',
    )
    .action(async (flags: RequestsFlags) => {
      const limit = parseLimit('--limit', flags.limit, MAX_LIMIT);
      const client = connectAdminClient(flags, ctx.env);
      const json = await client.listRejectedRequests(limit);
      printAnswer(ctx.stdout, flags.json, json, () =>
        renderRequestLog(parseRequestLog(json, client.baseUrl)),
      );
      ctx.exitCode = 0;
    });
}
