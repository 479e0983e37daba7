import { readdirSync, readFileSync } from 'node:fs';

/**
 * The metric names src/observe registers, for the checks that a sample (alert rules, the Grafana
 * dashboard) reads only metrics the code still exports: renaming one then fails a test instead of
 * silencing an alert or blanking a panel in production.
 */
const OBSERVE_DIR = new URL('../../src/observe/', import.meta.url);

const HISTOGRAM_SERIES = /_(bucket|sum|count)$/;

/** Every `name: 'wahook_…'` in src/observe: what the code registers with prom-client. */
export function registeredMetricNames(): Set<string> {
  const names = new Set<string>();
  for (const file of readdirSync(OBSERVE_DIR).filter((name) => name.endsWith('.ts'))) {
    const text = readFileSync(new URL(file, OBSERVE_DIR), 'utf8');
    for (const match of text.matchAll(/name:\s*'(wahook_[a-z0-9_]+)'/g)) names.add(match[1]!);
  }
  return names;
}

/** The metric a series name belongs to: histogram series carry a suffix the registered name lacks. */
export function metricOf(series: string, known: ReadonlySet<string>): string {
  if (known.has(series)) return series;
  const base = series.replace(HISTOGRAM_SERIES, '');
  return known.has(base) ? base : series;
}

/** Every wahook_* series a PromQL expression reads. */
export function seriesIn(expr: string): string[] {
  return [...expr.matchAll(/\bwahook_[a-z0-9_]+/g)].map((match) => match[0]);
}
