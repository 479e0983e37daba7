import { setTimeout as sleep } from 'node:timers/promises';
import { type Command, Option } from 'commander';
import { WahookError } from '../../errors.js';
import { parseDuration } from '../../lib/duration.js';
import { phoneRecipient } from '../../whatsapp/recipient.js';
import { type AdminClient, addServerOptions, connectAdminClient, type ServerFlags } from '../api-client.js';
import { type CliContext, print } from '../context.js';
import { readCliSettings } from '../settings.js';

interface SendFlags extends ServerFlags {
  readonly to?: string;
  readonly recipient?: string;
  readonly region?: string;
  readonly phoneNumberId: string;
  readonly text?: string;
  readonly template?: string;
  readonly lang: string;
  readonly param: string[];
  readonly metadata: string[];
  readonly idempotencyKey?: string;
  readonly follow?: boolean;
  readonly timeout: string;
  readonly json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];
const FINAL = new Set(['delivered', 'read', 'played', 'failed']);

/**
 * `wahook send`: the debug script made real. It prints the normalized number and the request, sends
 * through the running server's POST /v1/messages (so the send is stored and correlated like any
 * other), prints the wamid or Meta's error explained, and with --follow the status timeline.
 */
export function registerSend(program: Command, ctx: CliContext): void {
  addServerOptions(
    program
      .command('send')
      .description(
        'Send a test message through the running server (POST /v1/messages) and follow its statuses: prints the normalized number, the request, the wamid, then each status until delivered, read or failed.',
      )
      .option('--to <number>', 'phone number, as typed: +972504370045, 0504370045 with --region')
      .option('--recipient <bsuid>', 'a BSUID instead of --to, sent verbatim')
      .option('--region <cc>', 'country of a national --to (default: WAHOOK_DEFAULT_REGION)')
      .requiredOption('--phone-number-id <id>', 'the business number to send from')
      .option('--text <body>', 'a text message (only inside the 24-hour window)')
      .option('--template <name>', 'an approved template, e.g. hello_world')
      .option('--lang <code>', 'the template language', 'en_US')
      .addOption(
        new Option('--param <text>', 'a body parameter of the template, in order (repeatable)')
          .argParser(collect)
          .default([]),
      )
      .addOption(
        new Option('--metadata <key=value>', 'business context to attach (repeatable)')
          .argParser(collect)
          .default([]),
      )
      .option('--idempotency-key <key>', 'the same key never sends twice')
      .option('--follow', 'follow the status timeline until delivered, read or failed')
      .option('--timeout <duration>', 'how long --follow waits', '2m')
      .option('--json', 'print the answer (and with --follow the final message) as JSON'),
  )
    .addHelpText(
      'after',
      '\nExample:\n  wahook send --phone-number-id 112233445566778 --to 0504370045 --region IL \\\n' +
        '    --template hina_invitation --lang he --param Dana --param Friday --metadata guest_id=g-17 --follow\n' +
        '\nExit code: 0 accepted (with --follow: delivered or read), 1 refused, failed or no final status in time, 2 bad usage.',
    )
    .action(async (flags: SendFlags) => {
      ctx.exitCode = await sendCommand(ctx, flags);
    });
}

async function sendCommand(ctx: CliContext, flags: SendFlags): Promise<number> {
  const body = requestBody(flags, readCliSettings(ctx.env).config.defaultRegion);
  const client = connectAdminClient(flags, ctx.env);
  const out = (line: string) => (flags.json ? undefined : print(ctx.stdout, line));
  if (flags.to !== undefined) {
    const outcome = phoneRecipient(flags.to, (body.region as string | undefined) ?? undefined);
    out(
      outcome.ok && outcome.recipient.kind === 'phone'
        ? `to       ${flags.to} → ${outcome.recipient.e164}`
        : `to       ${flags.to}`,
    );
  }
  out(`request  POST ${client.baseUrl}/v1/messages ${JSON.stringify(body)}`);
  const answer = await client.sendMessage(body);
  const result = answer.body as Record<string, unknown>;
  if (flags.json && !flags.follow) print(ctx.stdout, JSON.stringify(result, null, 2));
  if (answer.status !== 202) {
    out(`refused  HTTP ${answer.status} ${String(result.error)}: ${String(result.message)}`);
    if (result.explanation) out(`         ${String(result.explanation)}`);
    if (result.hint) out(`fix      ${String(result.hint)}`);
    return 1;
  }
  out(`accepted id ${String(result.id)}, wamid ${String(result.wamid)} (status ${String(result.status)})`);
  if (result.explanation) out(`         ${String(result.explanation)}`);
  if (!flags.follow) return 0;
  if (typeof result.wamid !== 'string') {
    out('         no wamid yet: follow it with GET /v1/sends/<id> once a status names the send');
    return 1;
  }
  return follow(ctx, client, result.wamid, parseDuration(flags.timeout), flags.json === true);
}

function requestBody(flags: SendFlags, defaultRegion: string | undefined): Record<string, unknown> {
  if ((flags.to === undefined) === (flags.recipient === undefined))
    throw new WahookError('usage', 'give exactly one of --to and --recipient');
  if ((flags.text === undefined) === (flags.template === undefined))
    throw new WahookError('usage', 'give exactly one of --text and --template');
  const message =
    flags.text !== undefined
      ? { type: 'text', text: { body: flags.text } }
      : {
          type: 'template',
          template: {
            name: flags.template,
            language: { code: flags.lang },
            ...(flags.param.length > 0
              ? {
                  components: [
                    { type: 'body', parameters: flags.param.map((text) => ({ type: 'text', text })) },
                  ],
                }
              : {}),
          },
        };
  const metadata: Record<string, string> = {};
  for (const pair of flags.metadata) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new WahookError('usage', `--metadata takes key=value, got "${pair}"`);
    metadata[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const region = flags.region ?? defaultRegion;
  return {
    phone_number_id: flags.phoneNumberId,
    ...(flags.to !== undefined ? { to: flags.to } : { recipient: flags.recipient }),
    ...(region !== undefined && flags.to !== undefined ? { region } : {}),
    message,
    ...(flags.metadata.length > 0 ? { metadata } : {}),
    ...(flags.idempotencyKey !== undefined ? { idempotency_key: flags.idempotencyKey } : {}),
  };
}

interface FollowedMessage {
  status: string;
  history: { status: string; timestamp: string }[];
  errors: { code: number; explanation: string }[];
}

/** Polls the message until a final status or the time limit, printing each update once. */
async function follow(
  ctx: CliContext,
  client: AdminClient,
  wamid: string,
  timeoutMs: number,
  json: boolean,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let printed = 0;
  let last: FollowedMessage | undefined;
  let stopped = false;
  void ctx.stopSignal.then(() => {
    stopped = true;
  });
  while (!stopped) {
    last = (await client.getMessage(wamid)) as FollowedMessage | undefined;
    const history = last?.history ?? [];
    for (const entry of history.slice(printed))
      if (!json) print(ctx.stdout, `status   ${entry.timestamp}  ${entry.status}`);
    printed = Math.max(printed, history.length);
    if ((last && FINAL.has(last.status)) || Date.now() > deadline) break;
    await sleep(500);
  }
  if (json) print(ctx.stdout, JSON.stringify(last ?? null, null, 2));
  for (const error of last?.errors ?? []) if (!json) print(ctx.stdout, `error    ${error.explanation}`);
  if (last && (last.status === 'delivered' || last.status === 'read' || last.status === 'played')) return 0;
  if (!json && (!last || !FINAL.has(last.status)))
    print(
      ctx.stdout,
      `no final status within ${Math.round(timeoutMs / 1000)} s (last: ${last?.status ?? 'none'})`,
    );
  return 1;
}
