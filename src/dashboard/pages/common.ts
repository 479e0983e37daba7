import { type Html, html, queryString } from '../html.js';
import { notice } from '../layout.js';

/**
 * What a redirect after an action says. The URL carries a code and a number, never text, so a
 * crafted link cannot make the dashboard say something it did not do.
 */
const DONE: Record<string, (n: string) => string> = {
  requeued: (n) => `${n} inbox row(s) put back to pending: the worker parses them again now.`,
  replayed: (n) => `${n} dead letter(s) moved back to pending in the replay lane.`,
  paused: () => 'Subscription paused: deliveries wait as pending until it is resumed.',
  resumed: () => 'Subscription resumed.',
  enabled: () =>
    'Subscription enabled again: new events are delivered to it. Its dead letters stay dead until replayed.',
};

export function doneNotice(query: { done?: string; n?: string }): Html {
  const make = query.done && Object.hasOwn(DONE, query.done) ? DONE[query.done] : undefined;
  const n = query.n && /^\d{1,9}$/.test(query.n) ? query.n : '0';
  return make ? notice(make(n)) : html``;
}

export function doneUrl(
  path: string,
  done: keyof typeof DONE,
  n = 0,
  extra: Record<string, string> = {},
): string {
  return `${path}${queryString({ ...extra, done, n })}`;
}

/** The "older" link of a keyset-paged list, keeping the page's filters. */
export function pager(
  path: string,
  filters: Record<string, string | undefined>,
  cursorName: string,
  next: string | null,
): Html {
  if (next === null) return html`<p class="muted small">End of the list.</p>`;
  return html`<nav aria-label="Pages"><a href="${path}${queryString({ ...filters, [cursorName]: next })}" rel="next">Next page</a></nav>`;
}

export function singleQuery(query: unknown): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    if (typeof value === 'string' && value.length <= 500) out[key] = value;
  }
  return out;
}

export function positiveId(text: string | undefined): number | undefined {
  if (!text || !/^\d{1,15}$/.test(text)) return undefined;
  const id = Number(text);
  return id > 0 ? id : undefined;
}
