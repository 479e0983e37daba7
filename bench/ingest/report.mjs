import { formatNumber, median, renderTable } from '../lib/stats.mjs';

/** Medians over the runs, the wahook/no-op ratios, and the targets, as text and as data. */
export const TARGETS = Object.freeze({ minRatio: 0.6, maxP99MsAt50: 20 });

/** Per concurrency: the medians of each server kind, and each kind's req/s as a share of the no-op's. */
export function summarize(measurements, connectionsList, kinds) {
  return connectionsList.map((connections) => {
    const servers = {};
    for (const kind of kinds) {
      servers[kind] = medians(measurements.filter((m) => m.server === kind && m.connections === connections));
    }
    const ratios = {};
    for (const kind of kinds) {
      if (kind !== 'noop') ratios[kind] = servers[kind].requestsPerSec / servers.noop.requestsPerSec;
    }
    const primary = primaryKind(kinds);
    const row = { connections, servers, ratios, primary, ratio: ratios[primary] };
    if (servers.wahook && servers.postgres)
      row.postgresOverSqlite = servers.postgres.requestsPerSec / servers.wahook.requestsPerSec;
    return row;
  });
}

/** The server the targets are judged on: wahook on SQLite, or on PostgreSQL when measured alone. */
function primaryKind(kinds) {
  return kinds.includes('wahook') ? 'wahook' : 'postgres';
}

function medians(runs) {
  const pick = (key) => median(runs.map((run) => run[key]));
  const cpu = (thread) => median(runs.map((run) => run.cpuUsPerRequest?.[thread] ?? Number.NaN));
  return {
    runs: runs.length,
    requestsPerSec: pick('requestsPerSec'),
    p50Ms: pick('p50Ms'),
    p99Ms: pick('p99Ms'),
    non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0),
    cpuUsPerRequest: { main: cpu('main'), total: cpu('total') },
    meanBatchRows: pick('meanBatchRows'),
    meanCommitMs: pick('meanCommitMs'),
    meanAckMs: pick('meanAckMs'),
  };
}

export function verdicts(summary) {
  return summary.map((row) => ({
    connections: row.connections,
    ratioOk: row.ratio >= TARGETS.minRatio,
    p99Ok: row.connections !== 50 || row.servers[row.primary].p99Ms <= TARGETS.maxP99MsAt50,
  }));
}

export function renderSummary(summary) {
  const rows = [];
  for (const row of summary) {
    for (const [kind, m] of Object.entries(row.servers)) {
      rows.push([
        `${kind === 'noop' ? 'no-op' : kind} @${row.connections}`,
        formatNumber(m.requestsPerSec),
        formatNumber(m.p50Ms, 1),
        formatNumber(m.p99Ms, 1),
        String(m.non2xx),
        formatNumber(m.cpuUsPerRequest.main),
        formatNumber(m.cpuUsPerRequest.total),
        kind === 'noop' ? '' : `${formatNumber(row.ratios[kind] * 100, 1)} %`,
      ]);
    }
  }
  const main = renderTable(
    ['server @conns', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'main µs/req', 'cpu µs/req', 'of no-op'],
    rows,
  );
  const commitRows = [];
  for (const row of summary) {
    for (const [kind, m] of Object.entries(row.servers)) {
      if (kind === 'noop') continue;
      commitRows.push([
        `${kind} @${row.connections}`,
        formatNumber(m.meanBatchRows, 1),
        formatNumber(m.meanCommitMs, 2),
        formatNumber(m.meanAckMs, 2),
      ]);
    }
  }
  const commits = renderTable(['server @conns', 'rows/commit', 'commit ms', 'ack ms (server)'], commitRows);
  const targetLines = verdicts(summary).map((v) => {
    const row = summary.find((s) => s.connections === v.connections);
    const ratio = `ratio ${formatNumber(row.ratio * 100, 1)} % (target ≥ ${TARGETS.minRatio * 100} %): ${v.ratioOk ? 'met' : 'MISSED'}`;
    const p99 =
      v.connections === 50
        ? `; p99 ${formatNumber(row.servers[row.primary].p99Ms, 1)} ms (target ≤ ${TARGETS.maxP99MsAt50} ms): ${v.p99Ok ? 'met' : 'MISSED'}`
        : '';
    return `  ${row.primary} @${v.connections}: ${ratio}${p99}`;
  });
  const pgLines = summary
    .filter((row) => row.postgresOverSqlite !== undefined)
    .map(
      (row) =>
        `  @${row.connections}: PostgreSQL/SQLite ${formatNumber(row.postgresOverSqlite * 100, 1)} %, ` +
        `PostgreSQL/no-op ${formatNumber(row.ratios.postgres * 100, 1)} %`,
    );
  const databases = pgLines.length > 0 ? `\n\nPostgreSQL against SQLite (req/s):\n${pgLines.join('\n')}` : '';
  return `${main}\n\n${commits}${databases}\n\ntargets:\n${targetLines.join('\n')}`;
}
