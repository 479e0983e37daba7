import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { DOCTOR_DEFAULTS, type DoctorOptions, parseDoctorUrl } from '../../doctor/options.js';
import { runDoctor } from '../../doctor/run.js';
import type { CheckResult, CheckStatus, DoctorReport } from '../../doctor/types.js';
import { isWahookError } from '../../errors.js';
import { formatDuration } from '../../lib/duration.js';
import { type CliContext, print } from '../context.js';
import { parseDurationFlag } from '../flags.js';
import { printAnswer } from '../format/output.js';
import { readCliSettings } from '../settings.js';

interface DoctorFlags {
  readonly json?: boolean;
  readonly caFile?: string;
  readonly samples?: string;
  readonly timeout?: string;
  readonly verifyToken?: string;
  readonly appSecret?: string;
}

class UsageError extends Error {}

export function registerDoctor(program: Command, ctx: CliContext): void {
  program
    .command('doctor')
    .description(
      'Check a webhook URL the way Meta and 360dialog will use it: DNS, TCP, HTTPS and the certificate ' +
        'chain, redirects, the verify-token handshake, signed and unsigned POSTs, answer time and body limit.',
    )
    .argument('<url>', 'the Callback URL as entered in the Meta App Dashboard (https://…)')
    .option('--json', 'print the report as JSON only')
    .option(
      '--ca-file <path>',
      'also trust the CA certificate(s) in this PEM file (private CAs, test setups)',
    )
    .option(
      '--samples <n>',
      'signed POSTs timed by the latency check',
      String(DOCTOR_DEFAULTS.latencySamples),
    )
    .option(
      '--timeout <duration>',
      'bound on each network step, e.g. 10s or 2500ms (a bare number is milliseconds)',
      formatDuration(DOCTOR_DEFAULTS.stepTimeoutMs),
    )
    .option(
      '--verify-token <token>',
      "verify token for the handshake check (default: WAHOOK_VERIFY_TOKEN, else local mode's for a loopback URL)",
    )
    .option(
      '--app-secret <secret>',
      "app secret that signs the test POSTs (default: first of WAHOOK_APP_SECRETS, else local mode's for a " +
        'loopback URL; prefer the variable, ' +
        'flags end up in shell history)',
    )
    .addHelpText(
      'after',
      '\nTest POSTs carry ids starting with wamid.DOCTOR- (and fictional 555 numbers). A wahook server\n' +
        'stores them and shows them in its API, but delivers none of their events to its subscriptions;\n' +
        'another receiver should skip ids with that prefix. Nothing is sent to WhatsApp.\n' +
        'Exit code: 0 when no check failed (warnings allowed), 1 when a check failed, 2 for bad usage.',
    )
    .action(async (url: string, flags: DoctorFlags) => {
      let options: DoctorOptions;
      try {
        options = await buildOptions(url, flags, ctx);
      } catch (error) {
        if (!(error instanceof UsageError) && !isWahookError(error)) throw error;
        // The same error:/fix: form as every command (runCli prints it for the others).
        print(ctx.stderr, `error: ${error.message}`);
        print(
          ctx.stderr,
          `fix: ${isWahookError(error) ? error.hint : 'Run `wahook doctor --help` to see its arguments.'}`,
        );
        ctx.exitCode = 2;
        return;
      }
      const report = await runDoctor(options);
      printAnswer(ctx.stdout, flags.json, report, () => formatReport(report));
      ctx.exitCode = report.ok ? 0 : 1;
    });
}

async function buildOptions(url: string, flags: DoctorFlags, ctx: CliContext): Promise<DoctorOptions> {
  parseDoctorUrl(url);
  // Without them the handshake and signed checks are skipped (and say which setting to give).
  const settings = readCliSettings(ctx.env);
  const verifyToken = settings.secret('verifyToken', url, flags.verifyToken);
  const appSecret = settings.secret('appSecret', url, flags.appSecret);
  return {
    url,
    ...(verifyToken === undefined ? {} : { verifyToken }),
    ...(appSecret === undefined ? {} : { appSecret }),
    ...(flags.caFile === undefined ? {} : { ca: await readCaFile(flags.caFile) }),
    latencySamples: parsePositiveInteger('--samples', flags.samples, DOCTOR_DEFAULTS.latencySamples),
    timeouts: { stepMs: stepTimeout(flags.timeout, ctx) },
  };
}

function stepTimeout(text: string | undefined, ctx: CliContext): number {
  if (text === undefined) return DOCTOR_DEFAULTS.stepTimeoutMs;
  const ms = parseDurationFlag('--timeout', text, (line) => print(ctx.stderr, line));
  if (ms < 1) throw new UsageError(`--timeout must be at least 1ms, got "${text}"`);
  return ms;
}

async function readCaFile(path: string): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`cannot read --ca-file ${path} (${reason}); give the path of a PEM file`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new UsageError(
      `--ca-file ${path} holds no PEM certificate (no "-----BEGIN CERTIFICATE-----" line)`,
    );
  }
  return pem;
}

function parsePositiveInteger(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new UsageError(`${flag} must be a whole number of at least 1, got "${text}"`);
  }
  return value;
}

const MARKS: Record<CheckStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };

export function formatReport(report: DoctorReport): string[] {
  const lines = [`wahook doctor ${report.url}`, ''];
  for (const check of report.checks) lines.push(...formatCheck(check));
  const { pass, warn, fail, skip } = report.summary;
  const counts = `${pass} passed, ${warn} warned, ${fail} failed, ${skip} skipped`;
  lines.push('');
  lines.push(
    fail > 0
      ? `FAILED: ${counts}. Fix the failed checks above; Meta will not deliver reliably until they pass.`
      : `OK: ${counts}.${warn > 0 ? ' Read the warnings above.' : ''}`,
  );
  return lines;
}

function formatCheck(check: CheckResult): string[] {
  const lines = [`${MARKS[check.status]}  ${check.title}: ${check.detail}`];
  if (check.fix !== undefined) lines.push(`      fix: ${check.fix}`);
  return lines;
}
