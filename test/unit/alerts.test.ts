import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { metricOf, registeredMetricNames, seriesIn } from '../helpers/metric-names.js';

/**
 * deploy/prometheus/alerts.yml checked without Prometheus: the rule-file structure, and that every
 * wahook_* metric an expression reads is one the code registers, so renaming a metric in
 * src/observe fails here instead of silencing an alert in production. When promtool is installed
 * the file is also checked by it (CI does not install it).
 */
const ALERTS_PATH = fileURLToPath(new URL('../../deploy/prometheus/alerts.yml', import.meta.url));
const RUNBOOK = readFileSync(new URL('../../docs/troubleshooting.md', import.meta.url), 'utf8');

/**
 * Metrics a rule may use before the code registers them, for a rule written ahead of its metric.
 * Remove a name once it is registered: the test fails while a registered name is still listed.
 */
const PENDING_METRICS: ReadonlySet<string> = new Set<string>([]);

const ruleSchema = z.strictObject({
  alert: z.string().regex(/^Wahook[A-Z][A-Za-z]+$/, 'alert names are PascalCase and start with Wahook'),
  expr: z.string().min(1),
  for: z.string().regex(/^\d+[smhdwy]$/, 'for is a Prometheus duration such as 5m'),
  labels: z.strictObject({ severity: z.enum(['warning', 'critical']) }),
  annotations: z.strictObject({
    summary: z.string().min(10),
    description: z.string().min(20),
    runbook_url: z.string().regex(/^docs\/troubleshooting\.md#[a-z0-9-]+$/),
  }),
});

const rulesFileSchema = z.strictObject({
  groups: z.array(z.strictObject({ name: z.string().min(1), rules: z.array(ruleSchema).min(1) })).min(1),
});

type Rule = z.output<typeof ruleSchema>;

function loadRules(): Rule[] {
  const file = rulesFileSchema.parse(parse(readFileSync(ALERTS_PATH, 'utf8')));
  return file.groups.flatMap((group) => group.rules);
}

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens. */
function headingAnchors(markdown: string): Set<string> {
  return new Set(
    [...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((match) =>
      match[1]!
        .trim()
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, '')
        .replace(/ /g, '-'),
    ),
  );
}

describe('Prometheus alert rules', () => {
  it('follow the rule-file structure with severity, summary, description and runbook_url on every rule', () => {
    const rules = loadRules();
    expect(rules.length).toBeGreaterThan(0);
    const names = rules.map((rule) => rule.alert);
    expect(new Set(names).size, 'alert names are unique').toBe(names.length);
  });

  it('read only wahook_* metrics that the code registers, or that are listed as pending', () => {
    const registered = registeredMetricNames();
    expect(registered.size, 'metric names found in src/observe').toBeGreaterThan(5);
    const unknown: string[] = [];
    for (const rule of loadRules()) {
      for (const series of seriesIn(rule.expr)) {
        const metric = metricOf(series, new Set([...registered, ...PENDING_METRICS]));
        if (!registered.has(metric) && !PENDING_METRICS.has(metric)) unknown.push(`${rule.alert}: ${series}`);
      }
    }
    expect(unknown, 'metrics used in alerts.yml that src/observe does not register').toEqual([]);
  });

  it('list as pending only metrics not registered yet', () => {
    const registered = registeredMetricNames();
    const landed = [...PENDING_METRICS].filter((name) => registered.has(name));
    expect(landed, 'registered now: remove from PENDING_METRICS').toEqual([]);
  });

  it('cover the signals the runbook names', () => {
    const exprs = loadRules()
      .map((rule) => rule.expr)
      .join('\n');
    for (const metric of [
      'wahook_webhook_requests_total',
      'wahook_webhook_ack_seconds_bucket',
      'wahook_process_duplicates_total',
      'wahook_inbox_rows{state="pending"}',
      'wahook_inbox_oldest_pending_age_seconds',
      'wahook_delivery_dead_letters_total',
      'wahook_delivery_dead_letters',
      'wahook_delivery_breaker_state',
      'probe_ssl_earliest_cert_expiry',
    ]) {
      expect(exprs, metric).toContain(metric);
    }
  });

  it('point every runbook_url at a section of docs/troubleshooting.md', () => {
    const anchors = headingAnchors(RUNBOOK);
    for (const rule of loadRules()) {
      const anchor = rule.annotations.runbook_url.split('#')[1]!;
      expect(anchors.has(anchor), `${rule.alert}: #${anchor}`).toBe(true);
    }
  });

  it.skipIf(!hasPromtool())('pass promtool check rules', () => {
    const output = execFileSync('promtool', ['check', 'rules', ALERTS_PATH], { encoding: 'utf8' });
    expect(output).toContain('SUCCESS');
  });
});

function hasPromtool(): boolean {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
