import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/**
 * Evaluates a rule of deploy/prometheus/alerts.yml against one scrape of one wahook process, for
 * tests that make a fault happen and check that its alert would fire. With a single instance
 * `max without (instance) (m)` is `m` itself, so the evaluator understands exactly the shapes the
 * storage rules use: clauses joined by `and`, each `<term> <op> <term>`, a term being a number,
 * `max without (instance) (metric)` or `<number> * <term>`. Anything else throws, so a rule
 * rewritten into another shape fails its test instead of passing unread.
 */
const ALERTS = new URL('../../deploy/prometheus/alerts.yml', import.meta.url);

export function alertExpression(name: string): string {
  const file = parse(readFileSync(ALERTS, 'utf8')) as {
    groups: { rules: { alert: string; expr: string }[] }[];
  };
  const rule = file.groups.flatMap((group) => group.rules).find((candidate) => candidate.alert === name);
  if (!rule) throw new Error(`no alert ${name} in alerts.yml`);
  return rule.expr;
}

/** Unlabelled samples of a Prometheus text scrape, by metric name. */
export function parseScrape(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-z_][a-z0-9_]*) (\S+)$/.exec(line);
    if (match) samples.set(match[1]!, Number(match[2]));
  }
  return samples;
}

function term(text: string, samples: Map<string, number>): number | undefined {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const product = /^(\d+(?:\.\d+)?)\s*\*\s*(.+)$/s.exec(trimmed);
  if (product) {
    const value = term(product[2]!, samples);
    return value === undefined ? undefined : Number(product[1]) * value;
  }
  const max = /^max without \(instance\) \(([a-z_][a-z0-9_]*)\)$/.exec(trimmed);
  if (max) return samples.get(max[1]!);
  throw new Error(`alert term not understood by this evaluator: ${trimmed}`);
}

/** True when every clause holds; a clause over a series the scrape lacks is false, as in PromQL. */
export function alertFires(expr: string, samples: Map<string, number>): boolean {
  return expr
    .split(/\n\s*and\s*\n/)
    .map((clause) => clause.replace(/\s+/g, ' ').trim())
    .every((clause) => {
      const match = /^(.+?) (>|<|>=|<=) (.+)$/.exec(clause);
      if (!match) throw new Error(`alert clause not understood by this evaluator: ${clause}`);
      const left = term(match[1]!, samples);
      const right = term(match[3]!, samples);
      if (left === undefined || right === undefined) return false;
      if (match[2] === '>') return left > right;
      if (match[2] === '<') return left < right;
      if (match[2] === '>=') return left >= right;
      return left <= right;
    });
}
