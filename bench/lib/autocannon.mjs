import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs autocannon in its own process, so the load generator never shares an event loop (or, with
 * two cores, a core) with the server it measures, and returns the figures a report needs from its
 * JSON output. The body goes through a temp file: argv is no place for kilobytes of JSON.
 */
const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon');

export async function runAutocannon({
  url,
  connections,
  durationSec,
  method = 'GET',
  headers = {},
  body,
  timeoutSec = 10,
}) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ac-'));
  try {
    const args = [AUTOCANNON, '--json', '-c', String(connections), '-d', String(durationSec)];
    args.push('-m', method, '-t', String(timeoutSec));
    for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}=${value}`);
    if (body !== undefined) {
      const bodyFile = join(dir, 'body');
      writeFileSync(bodyFile, body);
      args.push('-i', bodyFile);
    }
    args.push(url);
    const { stdout, stderr, code } = await runNode(args);
    if (code !== 0) throw new Error(`autocannon exited with code ${code}: ${stderr.trim()}`);
    return summarize(parseLastJsonLine(stdout, stderr));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runNode(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout, stderr, code }));
  });
}

function parseLastJsonLine(stdout, stderr) {
  const line = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((text) => text.startsWith('{'));
  if (!line) throw new Error(`autocannon printed no JSON result; stderr: ${stderr.trim() || '(empty)'}`);
  return JSON.parse(line);
}

/** The raw JSON keeps everything; the summary holds what benchmarks compare. */
function summarize(raw) {
  return {
    connections: raw.connections,
    durationSec: raw.duration,
    requestsPerSec: raw.requests.average,
    requestsTotal: raw.requests.total,
    ok2xx: raw['2xx'],
    non2xx: raw.non2xx,
    errors: raw.errors,
    timeouts: raw.timeouts,
    latencyMs: {
      mean: raw.latency.average,
      p50: raw.latency.p50,
      p90: raw.latency.p90,
      p99: raw.latency.p99,
      max: raw.latency.max,
    },
    raw,
  };
}
