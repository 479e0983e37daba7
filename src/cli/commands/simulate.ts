import { randomBytes } from 'node:crypto';
import { type Command, Option } from 'commander';
import { isWahookError, WahookError } from '../../errors.js';
import { describeFixtures } from '../../simulate/fixtures.js';
import { parseSimulateFlags, SIMULATE_DEFAULTS, type SimulateFlags } from '../../simulate/options.js';
import { createProgressReporter } from '../../simulate/progress.js';
import { formatSummary } from '../../simulate/report.js';
import { runSimulation, type SimulationOptions } from '../../simulate/simulation.js';
import { type CliContext, print } from '../context.js';
import { bareNumberNote, collect } from '../flags.js';
import { printAnswer } from '../format/output.js';
import { readCliSettings } from '../settings.js';

interface CommandFlags extends SimulateFlags {
  readonly json?: boolean;
  readonly listFixtures?: boolean;
}

export function registerSimulate(program: Command, ctx: CliContext): void {
  program
    .command('simulate')
    .description(
      'Send realistic, signed WhatsApp webhooks to a URL the way Meta does: every message type, status ' +
        'flows, batching, duplicates, reordering and retries with backoff; then optionally check that ' +
        'the receiver ended in the right state.',
    )
    .argument('[url]', 'the webhook URL to POST to, e.g. http://127.0.0.1:8080/webhooks/whatsapp')
    .option(
      '--messages <n>',
      `outbound messages, each followed through a status flow (default ${SIMULATE_DEFAULTS.messages})`,
    )
    .option('--inbound <n>', `inbound messages of every type (default ${SIMULATE_DEFAULTS.inbound})`)
    .option('--batch-size <n>', 'messages and statuses per POST, 1 to 1000', SIMULATE_DEFAULTS.batchSize)
    .option(
      '--duplicates <rate>',
      'fraction of POSTs sent a second time, 0 to 1',
      SIMULATE_DEFAULTS.duplicates,
    )
    .option(
      '--reorder <rate>',
      'fraction of POSTs held back behind later ones, 0 to 1',
      SIMULATE_DEFAULTS.reorder,
    )
    .option(
      '--reorder-window <n>',
      'how many places a POST can be held back',
      SIMULATE_DEFAULTS.reorderWindow,
    )
    .option(
      '--delay <duration>',
      'random wait of 0 to this before each POST (jitter), e.g. 50ms',
      SIMULATE_DEFAULTS.delay,
    )
    .option('--concurrency <n>', 'POSTs in flight at once', SIMULATE_DEFAULTS.concurrency)
    .option(
      '--timeout <duration>',
      'per-request timeout; no answer in time counts as a failure',
      SIMULATE_DEFAULTS.timeout,
    )
    .option('--max-retries <n>', 'retries per POST after the first attempt', SIMULATE_DEFAULTS.maxRetries)
    .option(
      '--time-scale <factor>',
      "compress Meta's retry schedule (immediately, then 30 s doubling to 1 h, within 7 days); 0.001 = 1000x faster",
      SIMULATE_DEFAULTS.timeScale,
    )
    .option(
      '--max-duration <duration>',
      'stop sending and retrying after this long',
      SIMULATE_DEFAULTS.maxDuration,
    )
    .option('--seed <seed>', 'repeat an earlier run exactly (default: a new random seed, printed)')
    .addOption(
      new Option(
        '--header <line>',
        "extra header on every POST, 'Name: value' (repeatable), e.g. a BSP secret",
      )
        .argParser(collect)
        .default([], 'none'),
    )
    .option('--fixture <name>', 'send one named payload instead of a scenario (see --list-fixtures)')
    .option('--list-fixtures', 'list the fixture names and exit')
    .option(
      '--app-secret <secret>',
      "app secret to sign with (default: first of WAHOOK_APP_SECRETS, else local mode's for a loopback URL)",
    )
    .option('--verify-url <url>', 'after sending, check every wamid at <url>/v1/messages/<wamid>')
    .option(
      '--admin-token <token>',
      "bearer token for --verify-url (default: WAHOOK_ADMIN_TOKEN, else local mode's for a loopback URL)",
    )
    .option(
      '--verify-timeout <duration>',
      'how long to wait for the receiver to process',
      SIMULATE_DEFAULTS.verifyTimeout,
    )
    .option('--json', 'print the summary as JSON on stdout')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  wahook simulate http://127.0.0.1:8080/webhooks/whatsapp --fixture text\n' +
        '  wahook simulate http://127.0.0.1:8080/webhooks/whatsapp --messages 200 --inbound 50 \\\n' +
        '    --batch-size 5 --duplicates 0.1 --reorder 0.2 --time-scale 0.001 \\\n' +
        '    --verify-url http://127.0.0.1:8080\n' +
        '\nExit code: 0 every POST acknowledged (and verified when asked), 1 otherwise, 2 bad usage.',
    )
    .action(async (url: string | undefined, flags: CommandFlags) => {
      ctx.exitCode = await simulateCommand(ctx, url, flags);
    });
}

async function simulateCommand(
  ctx: CliContext,
  url: string | undefined,
  flags: CommandFlags,
): Promise<number> {
  if (flags.listFixtures === true) {
    listFixtures(ctx, flags.json === true);
    return 0;
  }
  try {
    if (url === undefined) throw usageMissingUrl();
    const settings = readCliSettings(ctx.env);
    const secrets = {
      appSecret: (target: string) =>
        settings.requireSecret('appSecret', target, { name: '--app-secret', value: flags.appSecret }),
      adminToken: (target: string) => settings.secret('adminToken', target, flags.adminToken),
    };
    const durations: [string, string | undefined][] = [
      ['--timeout', flags.timeout],
      ['--delay', flags.delay],
      ['--max-duration', flags.maxDuration],
      ['--verify-timeout', flags.verifyTimeout],
    ];
    for (const [flag, text] of durations) {
      const note = bareNumberNote(flag, text);
      if (note !== undefined) print(ctx.stderr, note);
    }
    const options = parseSimulateFlags(url, flags, secrets, {
      seed: randomBytes(4).toString('hex'),
      startTime: Math.floor(Date.now() / 1000),
    });
    return await run(ctx, options, flags.json === true);
  } catch (err) {
    if (!isWahookError(err)) throw err;
    print(ctx.stderr, `error: ${err.message}`);
    print(ctx.stderr, `fix: ${err.hint}`);
    return err.exitCode;
  }
}

function usageMissingUrl(): WahookError {
  return new WahookError('usage', 'missing <url>: the webhook URL to send to', {
    hint: 'For example: wahook simulate http://127.0.0.1:8080/webhooks/whatsapp --fixture text',
  });
}

async function run(ctx: CliContext, options: SimulationOptions, json: boolean): Promise<number> {
  const progress = createProgressReporter(ctx.stderr);
  const stop = new AbortController();
  void ctx.stopSignal.then(() => stop.abort());
  let result: Awaited<ReturnType<typeof runSimulation>>;
  try {
    result = await runSimulation({ ...options, signal: stop.signal, onProgress: (p) => progress.update(p) });
  } finally {
    progress.done();
  }
  printAnswer(ctx.stdout, json, result.summary, () => formatSummary(result.summary));
  return result.summary.ok ? 0 : 1;
}

function listFixtures(ctx: CliContext, json: boolean): void {
  const fixtures = describeFixtures();
  printAnswer(ctx.stdout, json, fixtures, () => {
    const width = Math.max(...fixtures.map((fixture) => fixture.name.length));
    return fixtures.map((fixture) => `${fixture.name.padEnd(width)}  ${fixture.description}`);
  });
}
