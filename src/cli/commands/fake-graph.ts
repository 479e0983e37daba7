import { type Command, Option } from 'commander';
import { WahookError } from '../../errors.js';
import { FakeGraph } from '../../fake-graph/fake-graph.js';
import { listenFakeGraph } from '../../fake-graph/server.js';
import { CHAOS_SWITCHES, parseChaos } from '../../fake-graph/status-plan.js';
import { systemClock } from '../../lib/clock.js';
import { WEBHOOK_PATH } from '../../receive/webhook-routes.js';
import { BUSINESS_NUMBERS, type BusinessNumber } from '../../simulate/payloads/people.js';
import { type CliContext, print } from '../context.js';
import { collect } from '../flags.js';
import { readCliSettings } from '../settings.js';

interface FakeGraphFlags {
  readonly host: string;
  readonly port: string;
  readonly webhookUrl?: string;
  readonly appSecret?: string;
  readonly token: string;
  readonly d360Key?: string;
  readonly phoneNumberId: string[];
  readonly chaos: string;
  readonly step: string;
  readonly throughput: string;
  readonly pairBurst: string;
  readonly openWindows?: boolean;
  readonly windowSync?: boolean;
  readonly legacyWaIds?: boolean;
}

export function registerFakeGraph(program: Command, ctx: CliContext): void {
  program
    .command('fake-graph')
    .description(
      "Run a fake WhatsApp Cloud API (Graph API) on this machine: Meta's validation, errors, limits and " +
        '24-hour window, and signed status webhooks back to wahook, with chaos switches. Send with no Meta account.',
    )
    .option(
      '--host <host>',
      'listen address (keep it on loopback: the /_fake/ control routes have no auth)',
      '127.0.0.1',
    )
    .option('--port <port>', 'listen port (0 picks one)', '8090')
    .option(
      '--webhook-url <url>',
      `where status webhooks go, or none (default: the local wahook's ${WEBHOOK_PATH})`,
    )
    .option('--app-secret <secret>', 'app secret to sign webhooks with (default: as `wahook simulate`)')
    .option(
      '--token <token>',
      'the access token the fake accepts (set WAHOOK_GRAPH_ACCESS_TOKEN to it)',
      'fake-graph-token',
    )
    .option(
      '--d360-key <key>',
      'also accept 360dialog-style POST /messages with this D360-API-KEY (first number)',
    )
    .addOption(
      new Option(
        '--phone-number-id <id>',
        'a business number the fake serves (repeatable; default two examples)',
      )
        .argParser(collect)
        .default([], 'two example numbers'),
    )
    .option('--chaos <switches>', `comma-separated: ${CHAOS_SWITCHES.join(', ')}`, 'none')
    .option('--step <ms>', 'pause before each status webhook', '400')
    .option('--throughput <mps>', 'messages per second per number before 130429 (20, 80 or 1000)', '80')
    .option('--pair-burst <n>', 'messages to one user in a burst before 131056 (then 1 per 6 s)', '45')
    .option('--open-windows', 'treat every 24-hour customer-service window as open (no 131047)')
    .option('--window-sync', 'refuse free-form sends outside the window in the HTTP answer, not by webhook')
    .option('--legacy-wa-ids', 'answer wa_ids as older accounts have them (Brazil without the 9, Mexico 521)')
    .addHelpText(
      'after',
      '\nThen run wahook with WAHOOK_GRAPH_API_URL=http://127.0.0.1:8090 and WAHOOK_GRAPH_ACCESS_TOKEN=fake-graph-token.\n' +
        'Control routes (loopback only): POST /_fake/inbound {"phone_number_id","from"} opens a window,\n' +
        'POST /_fake/script {"to","code","mode":"sync"|"async"} makes the next send fail, PUT /_fake/chaos {"switches"},\n' +
        'PUT /_fake/faults {"slow_ms","lose_responses","server_errors_before_accept","server_errors_after_accept"}, GET /_fake/sends.',
    )
    .action(async (flags: FakeGraphFlags) => {
      const settings = readCliSettings(ctx.env);
      const webhookUrl = flags.webhookUrl ?? `${settings.serverUrl}${WEBHOOK_PATH}`;
      const noWebhooks = webhookUrl === 'none';
      const appSecret = noWebhooks
        ? ''
        : settings.requireSecret('appSecret', webhookUrl, { name: '--app-secret', value: flags.appSecret });
      const numbers: BusinessNumber[] =
        flags.phoneNumberId.length === 0
          ? [...BUSINESS_NUMBERS]
          : flags.phoneNumberId.map((id, i) => ({
              phoneNumberId: id,
              wabaId: `30${id}`.slice(0, 15),
              displayPhoneNumber: `1555000${i}`,
            }));
      const chaos = (() => {
        try {
          return parseChaos(flags.chaos);
        } catch (err) {
          throw new WahookError('usage', (err as Error).message);
        }
      })();
      const first = numbers[0] as BusinessNumber;
      const fake = new FakeGraph({
        clock: systemClock,
        numbers,
        accessTokens: [flags.token],
        ...(flags.d360Key ? { d360Keys: { [flags.d360Key]: first.phoneNumberId } } : {}),
        webhook: noWebhooks ? null : { url: webhookUrl, appSecret },
        stepMs: positive(flags.step, '--step'),
        chaos,
        throughput: positive(flags.throughput, '--throughput'),
        pairBurst: positive(flags.pairBurst, '--pair-burst'),
        openWindows: flags.openWindows === true,
        windowSync: flags.windowSync === true,
        legacyWaIds: flags.legacyWaIds === true,
      });
      const running = await listenFakeGraph(fake, { host: flags.host, port: positive(flags.port, '--port') });
      print(ctx.stdout, `fake Graph API listening on ${running.url}`);
      print(ctx.stdout, `  numbers: ${numbers.map((n) => n.phoneNumberId).join(', ')}`);
      print(ctx.stdout, `  status webhooks to ${webhookUrl}`);
      print(
        ctx.stdout,
        `  point wahook at it: WAHOOK_GRAPH_API_URL=${running.url} WAHOOK_GRAPH_ACCESS_TOKEN=${flags.token}`,
      );
      const signal = await ctx.stopSignal;
      print(ctx.stderr, `received ${signal}: stopping the fake Graph API`);
      await running.close();
      ctx.exitCode = 0;
    });
}

function positive(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0)
    throw new WahookError('usage', `${flag} must be a number ≥ 0, got "${text}"`);
  return value;
}
