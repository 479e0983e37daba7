import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildProgram } from '../../src/cli/program.js';
import { loadConfig } from '../../src/config/load.js';
import { SETTINGS } from '../../src/config/settings.js';
import { metricOf, registeredMetricNames, seriesIn } from '../helpers/metric-names.js';

/**
 * The deploy samples in deploy/, checked as far as this machine allows. There is no container
 * engine (and no registry for base images), so the Dockerfile and compose.yaml are checked for
 * what would break a build or a start: every path they copy exists, the commands they run exist,
 * every setting they give loads. The systemd unit goes through `systemd-analyze verify`, the
 * Caddyfile through `caddy validate` and the nginx sample through `nginx -t` where those are
 * installed (.ci/run installs them); test/e2e/reverse-proxy.test.ts runs the two proxies.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const MANIFEST = JSON.parse(read('package.json')) as { files: string[]; bin: Record<string, string> };
const MIB = 1024 * 1024;

const KNOWN_SETTINGS = new Set(Object.values(SETTINGS).map((spec) => spec.env));
const PLACEHOLDER_SECRETS = {
  WAHOOK_APP_SECRETS: 'app-secret',
  WAHOOK_VERIFY_TOKEN: 'verify-token',
  WAHOOK_ADMIN_TOKEN: 'admin-token',
};

function cliCommands(): Set<string> {
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const ctx = {
    env: {},
    stdout: sink,
    stderr: sink,
    exitCode: 0,
    stopSignal: new Promise<string>(() => undefined),
  };
  return new Set(buildProgram(ctx).commands.map((command) => command.name()));
}

/** Settings a sample gives must be ones wahook knows, and load together. */
function expectSettingsLoad(env: Record<string, string>, where: string): ReturnType<typeof loadConfig> {
  const unknown = Object.keys(env).filter((key) => key.startsWith('WAHOOK_') && !KNOWN_SETTINGS.has(key));
  expect(unknown, `${where}: settings wahook does not know`).toEqual([]);
  return loadConfig({ ...PLACEHOLDER_SECRETS, ...env });
}

function hasCommand(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A size such as 8m, 8MiB, 8MB, in bytes. */
function sizeBytes(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?)(i?b?)$/i.exec(text.trim());
  if (!match) throw new Error(`not a size: ${text}`);
  const power = { '': 0, k: 1, m: 2, g: 3 }[match[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  const base = match[3]!.toLowerCase() === 'b' ? 1000 : 1024;
  return Number(match[1]) * base ** power;
}

const scratch = mkdtempSync(join(tmpdir(), 'wahook-deploy-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// ---- Dockerfile ----

interface Instruction {
  readonly stage: number;
  readonly keyword: string;
  readonly args: string;
}

function dockerInstructions(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  const out: Instruction[] = [];
  let stage = -1;
  for (const line of joined.split('\n')) {
    const match = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (!match) continue;
    if (match[1] === 'FROM') stage += 1;
    out.push({ stage, keyword: match[1]!, args: match[2]!.trim() });
  }
  return out;
}

describe('deploy/docker/Dockerfile', () => {
  const instructions = dockerInstructions(read('deploy/docker/Dockerfile'));
  const stages = Math.max(...instructions.map((step) => step.stage)) + 1;
  const final = instructions.filter((step) => step.stage === stages - 1);
  const exec = (args: string) => JSON.parse(args) as string[];

  it('builds in stages and installs the runtime dependencies with npm ci --omit=dev', () => {
    expect(stages).toBeGreaterThanOrEqual(3);
    expect(
      instructions.some((step) => step.keyword === 'RUN' && /\bnpm ci\b.*--omit=dev/.test(step.args)),
    ).toBe(true);
    // The final stage installs nothing: no compiler and no dev dependency reaches the image.
    expect(final.filter((step) => step.keyword === 'RUN' && /\bnpm\b/.test(step.args))).toEqual([]);
  });

  it('copies only paths that exist and that .dockerignore lets in', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    const sources = instructions
      .filter((step) => step.keyword === 'COPY' && !step.args.startsWith('--from'))
      .flatMap((step) => step.args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(join(ROOT, source)), source).toBe(true);
      expect(
        ignored.filter((pattern) => source === pattern || source.startsWith(`${pattern}/`)),
        source,
      ).toEqual([]);
    }
  });

  it('gives the image what the npm package carries for running: the build, the migrations, the dashboard files', () => {
    const copied = final
      .filter((step) => step.keyword === 'COPY')
      .flatMap((step) => {
        const words = step.args.split(/\s+/).filter((word) => !word.startsWith('--'));
        return words.slice(0, -1).map((source) => source.replace(/^\/src\//, '').replace(/^\/deps\//, ''));
      });
    // Everything the package carries except what only people read.
    const forReading = new Set(['docs', 'deploy', 'README.md', 'CHANGELOG.md', 'LICENSE']);
    const runtime = MANIFEST.files.filter((path) => !forReading.has(path));
    expect(runtime).toContain('dist');
    for (const needed of [...runtime, 'package.json', 'node_modules']) expect(copied).toContain(needed);
    for (const path of copied.filter((path) => path !== 'node_modules' && path !== 'package.json')) {
      expect(MANIFEST.files, `${path} is in package.json's files`).toContain(path);
    }
  });

  it('runs the CLI the package installs as a user without privileges, with /data as a volume', () => {
    const last = (keyword: string) => final.filter((step) => step.keyword === keyword).at(-1)?.args ?? '';
    expect(last('USER')).toMatch(/^(?!root\b|0\b)\S+/);
    const [node, script] = exec(last('ENTRYPOINT'));
    expect(node).toBe('node');
    expect(script).toBe(MANIFEST.bin.wahook);
    const [command] = exec(last('CMD'));
    expect(cliCommands()).toContain(command);

    const env = Object.fromEntries(
      [
        ...final
          .filter((step) => step.keyword === 'ENV')
          .flatMap((step) => [...step.args.matchAll(/(\w+)=(\S+)/g)]),
      ].map((match) => [match[1]!, match[2]!]),
    );
    const config = expectSettingsLoad(env, 'Dockerfile ENV');
    expect(exec(last('VOLUME'))).toEqual([config.dataDir]);
    expect(config.databaseUrl.startsWith(`sqlite:${config.dataDir}/`)).toBe(true);
  });

  it('checks health on /readyz at the port the process listens on', () => {
    const healthcheck = final.find((step) => step.keyword === 'HEALTHCHECK')?.args ?? '';
    expect(healthcheck).toContain('/readyz');
    expect(healthcheck).toContain('process.env.WAHOOK_PORT');
  });
});

// ---- compose.yaml ----

describe('deploy/docker/compose.yaml', () => {
  const text = read('deploy/docker/compose.yaml');
  const compose = parse(text, { merge: true }) as {
    services: Record<
      string,
      {
        build?: { context: string; dockerfile: string };
        environment?: Record<string, string>;
        ports?: string[];
        depends_on?: Record<string, { condition: string }>;
      }
    >;
  };
  const wahook = Object.entries(compose.services).filter(([, service]) => service.build);
  /** Compose's ${VAR:?message} and ${VAR} replaced by placeholders, as `docker compose` would. */
  const substitute = (value: string) => String(value).replace(/\$\{(\w+)(?::\?[^}]*)?\}/g, 'x$1');

  it('runs a receiver, a worker and a delivery loop beside PostgreSQL, each on its own WAHOOK_PORT', () => {
    expect(Object.keys(compose.services)).toContain('postgres');
    const roles = wahook.flatMap(([, service]) =>
      expectSettingsLoad(
        Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, substitute(v)])),
        'compose.yaml',
      ).roles.slice(),
    );
    expect(new Set(roles)).toEqual(new Set(['receiver', 'worker', 'delivery']));
    const ports = wahook.map(([, service]) => service.environment?.WAHOOK_PORT);
    expect(new Set(ports).size).toBe(wahook.length);
    for (const [name, service] of wahook) {
      expect(service.environment?.WAHOOK_DATABASE_URL, name).toMatch(/^postgres:\/\/[^@]+@postgres:5432\//);
      expect(service.depends_on?.postgres?.condition, name).toBe('service_healthy');
      for (const port of service.ports ?? []) {
        expect(port.split(':').at(-1), `${name} publishes its own port`).toBe(
          service.environment?.WAHOOK_PORT,
        );
      }
    }
  });

  it('builds from the Dockerfile beside it, and its env example names every variable it requires', () => {
    for (const [, service] of wahook) {
      const dockerfile = join(ROOT, 'deploy/docker', service.build!.context, service.build!.dockerfile);
      expect(existsSync(dockerfile), dockerfile).toBe(true);
    }
    const required = new Set([...text.matchAll(/\$\{(\w+):\?/g)].map((match) => match[1]!));
    const example = read('deploy/docker/compose.env.example');
    for (const name of required) expect(example).toMatch(new RegExp(`^${name}=`, 'm'));
  });
});

// ---- systemd ----

function iniEntries(text: string): { section: string; key: string; value: string }[] {
  let section = '';
  const out: { section: string; key: string; value: string }[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(trimmed);
    if (header) {
      section = header[1]!;
      continue;
    }
    const eq = trimmed.indexOf('=');
    out.push({ section, key: trimmed.slice(0, eq), value: trimmed.slice(eq + 1) });
  }
  return out;
}

function envFile(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('deploy/systemd', () => {
  const unit = iniEntries(read('deploy/systemd/wahook.service'));
  const service = (key: string) => unit.filter((entry) => entry.section === 'Service' && entry.key === key);
  const one = (key: string) => service(key).at(-1)?.value;

  it('restarts always, keeps its data in a state directory and runs hardened', () => {
    expect(one('Restart')).toBe('always');
    expect(one('StateDirectory')).toBe('wahook');
    for (const [key, value] of Object.entries({
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      PrivateDevices: 'yes',
      CapabilityBoundingSet: '',
    })) {
      expect(one(key), key).toBe(value);
    }
    expect(one('DynamicUser') === 'yes' || (one('User') ?? 'root') !== 'root').toBe(true);
  });

  it('starts the installed package’s CLI with serve, on settings that load', () => {
    const words = one('ExecStart')!.split(/\s+/);
    expect(words[1]).toBe(`/opt/wahook/node_modules/wahook/${MANIFEST.bin.wahook!.replace(/^\.\//, '')}`);
    expect(cliCommands()).toContain(words[2]);
    const fromUnit = Object.fromEntries(
      service('Environment').map((entry) => entry.value.split('=', 2) as [string, string]),
    );
    // EnvironmentFile overrides Environment=, as systemd applies them.
    const config = expectSettingsLoad(
      { ...fromUnit, ...envFile(read('deploy/systemd/wahook.env')) },
      'wahook.service + wahook.env',
    );
    expect(config.dataDir).toBe(`/var/lib/${one('StateDirectory')}`);
    expect(one('WorkingDirectory')).toBe(config.dataDir);
  });

  it.skipIf(!hasCommand('systemd-analyze', ['--version']))('passes systemd-analyze verify', () => {
    // verify checks that the program exists: the unit's node, with the path this machine's has.
    const node = execFileSync('sh', ['-c', 'command -v node'], { encoding: 'utf8' }).trim();
    const path = join(scratch, 'wahook.service');
    writeFileSync(path, read('deploy/systemd/wahook.service').replace('/usr/bin/node', node));
    const output = execFileSync('systemd-analyze', ['verify', path], { encoding: 'utf8', stdio: 'pipe' });
    expect(output).toBe('');
  });
});

// ---- reverse proxies ----

describe('deploy/caddy/Caddyfile', () => {
  const text = read('deploy/caddy/Caddyfile');
  const code = text
    .split('\n')
    .filter((line) => !line.trim().startsWith('#'))
    .join('\n');

  it('passes the body through untouched, up to at least 3 MiB, with timeouts', () => {
    const limit = /max_size\s+(\S+)/.exec(code)?.[1];
    expect(sizeBytes(limit ?? '0')).toBeGreaterThanOrEqual(3 * MIB);
    expect(code).not.toMatch(/^\s*(encode|request_body\s+\{[^}]*set)/m);
    expect(code).not.toMatch(/header_up\s+-/i);
    for (const timeout of ['read_body', 'read_header', 'dial_timeout', 'response_header_timeout']) {
      expect(code).toContain(timeout);
    }
    expect(code).toMatch(/reverse_proxy 127\.0\.0\.1:8080/);
    expect(code).toMatch(/health_uri \/readyz/);
  });

  it.skipIf(!hasCommand('caddy', ['version']))('passes caddy validate', () => {
    const path = join(scratch, 'Caddyfile');
    writeFileSync(path, text);
    const output = execFileSync('caddy', ['validate', '--config', path, '--adapter', 'caddyfile'], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
    expect(output).toContain('Valid configuration');
  });
});

describe('deploy/nginx/wahook.conf', () => {
  const text = read('deploy/nginx/wahook.conf');
  const code = text
    .split('\n')
    .map((line) => line.replace(/#.*$/, ''))
    .join('\n');

  it('terminates TLS and passes body and headers through untouched, up to at least 3 MiB, with timeouts', () => {
    expect(code).toMatch(/listen 443 ssl/);
    expect(code).toMatch(/ssl_certificate\s/);
    const limit = /client_max_body_size\s+(\S+);/.exec(code)?.[1];
    expect(sizeBytes(limit ?? '0')).toBeGreaterThanOrEqual(3 * MIB);
    expect(code).not.toMatch(/proxy_pass_request_(body|headers)\s+off/);
    expect(code).not.toMatch(/gunzip\s+on|proxy_set_header\s+X-Hub-Signature-256/i);
    expect(code).not.toMatch(/underscores_in_headers|ignore_invalid_headers\s+off/);
    for (const timeout of ['client_body_timeout', 'proxy_connect_timeout', 'proxy_read_timeout']) {
      expect(code).toContain(timeout);
    }
  });

  it.skipIf(!hasCommand('nginx', ['-v']))('passes nginx -t', () => {
    const cert = join(scratch, 'cert.pem');
    const key = join(scratch, 'key.pem');
    execFileSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
    ]);
    const site = join(scratch, 'site.conf');
    writeFileSync(site, text.replace(/\S+fullchain\.pem/, cert).replace(/\S+privkey\.pem/, key));
    const main = join(scratch, 'nginx.conf');
    writeFileSync(
      main,
      `pid ${scratch}/nginx.pid;\nerror_log stderr;\nevents {}\nhttp {\n  include ${site};\n}\n`,
    );
    execFileSync('nginx', ['-t', '-q', '-c', main, '-p', scratch], { stdio: 'pipe' });
  });
});

// ---- Grafana ----

interface Panel {
  type: string;
  title: string;
  id: number;
  targets?: { expr: string }[];
}

describe('deploy/grafana/wahook-dashboard.json', () => {
  const dashboard = JSON.parse(read('deploy/grafana/wahook-dashboard.json')) as {
    panels: Panel[];
    uid: string;
  };
  const exprs = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));

  it('is a dashboard with unique panel ids whose queries read the chosen Prometheus', () => {
    expect(dashboard.uid).toMatch(/^[a-z0-9-]+$/);
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(exprs.length).toBeGreaterThan(10);
  });

  it('reads only wahook_* metrics that the code registers', () => {
    const registered = registeredMetricNames();
    const unknown = exprs.flatMap((expr) =>
      seriesIn(expr).filter((series) => !registered.has(metricOf(series, registered))),
    );
    expect(unknown, 'metrics used in the dashboard that src/observe does not register').toEqual([]);
  });

  it('shows ingest, ack latency, lags, backlog, deliveries, dead letters and breakers', () => {
    const all = exprs.join('\n');
    for (const metric of [
      'wahook_webhook_requests_total',
      'wahook_webhook_ack_seconds_bucket',
      'wahook_process_lag_seconds_bucket',
      'wahook_meta_lag_seconds_bucket',
      'wahook_inbox_rows{job=~"$job", state="pending"}',
      'wahook_inbox_oldest_pending_age_seconds',
      'wahook_delivery_attempts_total',
      'wahook_delivery_queue_depth',
      'wahook_delivery_dead_letters',
      'wahook_delivery_breaker_state',
    ]) {
      expect(all, metric).toContain(metric);
    }
  });
});
