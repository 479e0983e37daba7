import { formatNumber, median, renderTable } from '../lib/stats.mjs';

/** Medians over the runs of one build, its ratio to the ingest rate, and their text form. */
export const TARGET_RATIO = 1.0;

export function summarize(measurements, rows, ingest) {
  // Runs that shared the machine with other work say more about the neighbours than about us.
  const quiet = measurements.filter((m) => !m.noisy);
  const counted = quiet.length > 0 ? quiet : measurements;
  const pick = (key) => median(counted.map((m) => m[key]));
  const rowsPerSec = pick('rowsPerSec');
  const ratio = ingest ? rowsPerSec / ingest.requestsPerSec : Number.NaN;
  return {
    runs: measurements.length,
    counted: counted.length,
    quietOnly: quiet.length > 0,
    rowsPerSec,
    eventsPerSec: pick('eventsPerSec'),
    eventsPerRow: pick('events') / rows,
    cpuUsPerRow: (pick('cpuSeconds') * 1e6) / rows,
    ratio,
    targetMet: ratio >= TARGET_RATIO,
  };
}

export function printSummary(summary, { rows, ingest, maxForeign }) {
  const which = summary.quietOnly ? 'quiet ' : '';
  console.log(`\nmedians of ${summary.counted} ${which}run(s) of ${summary.runs}, ${rows} rows each\n`);
  console.log(
    renderTable(
      ['measure', 'value'],
      [
        ['rows/s', formatNumber(summary.rowsPerSec)],
        ['events/s', formatNumber(summary.eventsPerSec)],
        ['events per row', formatNumber(summary.eventsPerRow, 2)],
        ['CPU µs per row', formatNumber(summary.cpuUsPerRow)],
        ['ingest requests/s', ingest ? formatNumber(ingest.requestsPerSec) : 'unknown'],
        ['ratio rows/s ÷ ingest', formatNumber(summary.ratio, 2)],
      ],
    ),
  );
  console.log(
    ingest
      ? `\ningest rate from ${ingest.source}; target ratio ≥ ${TARGET_RATIO.toFixed(1)}: ${summary.targetMet ? 'met' : 'MISSED'}`
      : '\nno ingest result found: run `npm run bench:ingest` or pass --ingest-rps N',
  );
  const noisy = summary.runs - (summary.quietOnly ? summary.counted : 0);
  if (noisy > 0) {
    console.log(
      `${noisy} run(s) ran while other processes used > ${maxForeign} cores: ` +
        (summary.quietOnly ? 'left out of the medians' : 'no quiet run, distrust the figures'),
    );
  }
}

export function printComparison(builds, summaries) {
  const [current, other] = summaries;
  const change = (a, b) => `${formatNumber(((a - b) / b) * 100, 1)} %`;
  console.log(`\ndist/ against ${builds[1].folder} (medians, runs alternated)\n`);
  console.log(
    renderTable(
      ['measure', 'dist/', 'other', 'change'],
      [
        [
          'rows/s',
          formatNumber(current.rowsPerSec),
          formatNumber(other.rowsPerSec),
          change(current.rowsPerSec, other.rowsPerSec),
        ],
        [
          'CPU µs per row',
          formatNumber(current.cpuUsPerRow),
          formatNumber(other.cpuUsPerRow),
          change(current.cpuUsPerRow, other.cpuUsPerRow),
        ],
        ['runs counted', String(current.counted), String(other.counted), ''],
      ],
    ),
  );
}

/** The same workload drained from PostgreSQL against SQLite, alternated run by run. */
export function printDatabaseRatio(sqlite, postgres) {
  console.log('\nPostgreSQL against SQLite (medians, runs alternated)\n');
  console.log(
    renderTable(
      ['measure', 'SQLite', 'PostgreSQL', 'PostgreSQL/SQLite'],
      [
        [
          'rows/s',
          formatNumber(sqlite.rowsPerSec),
          formatNumber(postgres.rowsPerSec),
          formatNumber(postgres.rowsPerSec / sqlite.rowsPerSec, 2),
        ],
        [
          'events/s',
          formatNumber(sqlite.eventsPerSec),
          formatNumber(postgres.eventsPerSec),
          formatNumber(postgres.eventsPerSec / sqlite.eventsPerSec, 2),
        ],
        [
          'CPU µs per row (this process)',
          formatNumber(sqlite.cpuUsPerRow),
          formatNumber(postgres.cpuUsPerRow),
          formatNumber(postgres.cpuUsPerRow / sqlite.cpuUsPerRow, 2),
        ],
      ],
    ),
  );
}
