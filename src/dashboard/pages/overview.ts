import type { FastifyInstance } from 'fastify';
import { fromStoredRecord } from '../../process/stored-record.js';
import type { SubscriptionBacklog } from '../../store/delivery-ports.js';
import { lookupErrorCode } from '../../whatsapp/error-catalog.js';
import { type Html, html } from '../html.js';
import { age, boundedCount, page, plural } from '../layout.js';
import type { DashboardServices } from '../routes.js';
import { ackQuantile, type MinuteBucket, mergeAck } from '../series.js';

/**
 * The overview: is intake healthy (ack latency against Meta's guidance, inbound rate, rejections),
 * is forwarding healthy (backlog and its oldest age, dead letters), and which WhatsApp errors come
 * back most. Every figure is either from the in-memory minute series or a bounded query.
 */
export const WINDOWS = { '60': 60, '360': 360, '1440': 1440 } as const;
/** Meta's guidance for webhook servers: median ack at most 250 ms, fewer than 1 % over 1 s. */
export const META_MEDIAN_MS = 250;
export const META_OVER_1S_SHARE = 0.01;
const QUARANTINE_CAP = 1_000;
const FAILED_SAMPLE = 500;
const DAY = 24 * 60 * 60 * 1000;

export function overviewRoutes(services: DashboardServices) {
  return async (app: FastifyInstance): Promise<void> => {
    const { store, clock } = services.deps;
    const sampleBacklog = async () => {
      const backlogs = await store.subscriptionBacklogs();
      services.series.recordBacklog(totalBacklog(backlogs));
      return backlogs;
    };
    const timer = setInterval(() => void sampleBacklog().catch(() => undefined), 60_000);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));

    app.get('/dashboard', async (request, reply) => {
      const minutes = windowOf((request.query as { window?: string }).window);
      const now = clock.now();
      const [backlogs, subscriptions, quarantined, failed] = await Promise.all([
        sampleBacklog(),
        store.listSubscriptions(),
        store.listInbox({ state: 'quarantined', limit: QUARANTINE_CAP }),
        store.listMessages({ status: 'failed', since: now - DAY, limit: FAILED_SAMPLE }),
      ]);
      const buckets = services.series.window(minutes);
      const totals = totalBacklog(backlogs);
      const ack = mergeAck(buckets);
      const accepted = buckets.reduce((sum, b) => sum + b.accepted, 0);
      const rejected = buckets.reduce((sum, b) => sum + b.rejected, 0);
      const over1s = buckets.reduce((sum, b) => sum + b.ackOver1s, 0);
      const median = ackQuantile(ack, 0.5);
      const p99 = ackQuantile(ack, 0.99);
      const overShare = accepted === 0 ? null : over1s / accepted;
      const problems: Html[] = [];
      if (median !== null && median > META_MEDIAN_MS)
        problems.push(html`Ack median about ${median} ms: over Meta's 250 ms.`);
      if (overShare !== null && overShare >= META_OVER_1S_SHARE)
        problems.push(html`Ack: ${pct(overShare)} of requests over 1 s (Meta's standard is under 1 %).`);
      if (rejected > 0)
        problems.push(
          html`<a href="/dashboard/requests">${plural(rejected, 'request')} rejected</a> in this window.`,
        );
      for (const sub of subscriptions) {
        const backlog = backlogs.find((b) => b.subscriptionId === sub.id);
        const breaker = services.deps.breakerState?.(sub.id);
        if (!sub.enabled)
          problems.push(
            html`Subscription <a href="/dashboard/subscriptions#sub-${sub.id}">${sub.id}</a> is disabled${sub.disabledReason ? html` (${sub.disabledReason})` : ''}.`,
          );
        else if (breaker === 'open')
          problems.push(
            html`Subscription <a href="/dashboard/deliveries?subscription=${sub.id}">${sub.id}</a> circuit open, ${backlog?.pending ?? 0} pending, oldest ${age(backlog?.oldestPendingAt ?? null, now)}.`,
          );
      }
      if (quarantined.length > 0)
        problems.push(
          html`<a href="/dashboard/inbox">${boundedCount(quarantined.length, QUARANTINE_CAP)} inbox rows quarantined</a>.`,
        );
      if (totals.dead > 0)
        problems.push(
          html`<a href="/dashboard/deliveries?state=dead">${plural(totals.dead, 'dead letter')}</a> kept.`,
        );

      const body = html`
<form class="filters" method="get" action="/dashboard">
<label for="window">Window</label>
<select id="window" name="window">${Object.keys(WINDOWS).map(
        (key) =>
          html`<option value="${key}"${Number(key) === minutes ? html` selected` : ''}>${label(Number(key))}</option>`,
      )}</select>
<button type="submit">Show</button>
<span class="muted">Charts: this process, per minute, since it started (UTC).</span>
</form>
<section aria-labelledby="issues-h">
<h2 id="issues-h">Open issues</h2>
${problems.length === 0 ? html`<p class="ok-line">✓ Nothing needs attention.</p>` : html`<ul class="issues">${problems.map((p) => html`<li>⚠ ${p}</li>`)}</ul>`}
</section>
<section aria-labelledby="now-h">
<h2 id="now-h">Now</h2>
<dl class="tiles">
<div><dt>Ack median</dt><dd>${median === null ? '–' : `≤ ${median} ms`}</dd><dd class="muted">target ≤ 250 ms</dd></div>
<div><dt>Ack p99</dt><dd>${p99 === null ? '–' : `≤ ${p99} ms`}</dd></div>
<div><dt>Over 1 s</dt><dd>${overShare === null ? '–' : pct(overShare)}</dd><dd class="muted">target &lt; 1 %</dd></div>
<div><dt>Accepted</dt><dd>${accepted}</dd><dd class="muted">${(accepted / minutes).toFixed(1)} / min</dd></div>
<div><dt>Rejected</dt><dd>${rejected}</dd></div>
<div><dt>Pending deliveries</dt><dd>${totals.pending}</dd><dd class="muted">oldest ${age(totals.oldestPendingAt, now)}</dd></div>
<div><dt>Dead letters</dt><dd>${totals.dead}</dd></div>
<div><dt>Quarantined</dt><dd>${boundedCount(quarantined.length, QUARANTINE_CAP)}</dd></div>
</dl>
</section>
<section aria-labelledby="charts-h">
<h2 id="charts-h">Charts</h2>
<div class="charts" data-series="/dashboard/overview/series?window=${minutes}">
${chart('ack', 'Ack latency (ms)', ackSummary(median, p99, overShare))}
${chart('inbound', 'Inbound requests per minute', `${accepted} accepted and ${rejected} rejected in the last ${label(minutes)}.`)}
${chart('backlog', 'Backlog: pending deliveries and oldest pending age (s)', `${totals.pending} deliveries pending now, the oldest for ${age(totals.oldestPendingAt, now)}.`)}
${chart('dead', 'Dead letters per minute', `${buckets.reduce((sum, b) => sum + b.dead, 0)} new dead letters in the last ${label(minutes)}; ${totals.dead} kept.`)}
</div>
${dataTable(buckets)}
</section>
<section aria-labelledby="errors-h">
<h2 id="errors-h">Top WhatsApp error codes (24 h)</h2>
${errorTable(failed)}
</section>
<section aria-labelledby="subs-h">
<h2 id="subs-h">Subscriptions with deliveries in play</h2>
${backlogTable(backlogs, now)}
</section>`;
      return services.send(
        reply,
        page(services.context(request), { title: 'Overview', live: ['overview'], charts: true, body }),
      );
    });

    app.get('/dashboard/overview/series', async (request) => {
      const minutes = windowOf((request.query as { window?: string }).window);
      return seriesJson(services.series.window(minutes));
    });
  };
}

function windowOf(text: string | undefined): number {
  return text && Object.hasOwn(WINDOWS, text) ? WINDOWS[text as keyof typeof WINDOWS] : 60;
}

function label(minutes: number): string {
  return minutes < 120 ? `${minutes} minutes` : `${minutes / 60} hours`;
}

function pct(share: number): string {
  return `${(share * 100).toFixed(share < 0.1 ? 2 : 1)} %`;
}

function totalBacklog(backlogs: readonly SubscriptionBacklog[]) {
  let pending = 0;
  let dead = 0;
  let oldestPendingAt: number | null = null;
  for (const b of backlogs) {
    pending += b.pending;
    dead += b.dead;
    if (b.oldestPendingAt !== null && (oldestPendingAt === null || b.oldestPendingAt < oldestPendingAt))
      oldestPendingAt = b.oldestPendingAt;
  }
  return { pending, dead, oldestPendingAt };
}

function ackSummary(median: number | null, p99: number | null, over: number | null): string {
  if (median === null) return 'No webhook requests acknowledged in this window.';
  return `Median ack at most ${median} ms (Meta's target 250 ms), p99 at most ${p99} ms, ${pct(over ?? 0)} over 1 s (target under 1 %).`;
}

function chart(id: string, title: string, summary: string): Html {
  return html`<figure class="chart">
<figcaption id="chart-${id}-t">${title}</figcaption>
<div class="plot" id="chart-${id}" role="img" aria-labelledby="chart-${id}-t" aria-describedby="chart-${id}-d"></div>
<p class="muted small" id="chart-${id}-d">${summary}</p>
</figure>`;
}

/** The charts' numbers as a table, for screen readers and for copying: minutes with activity only. */
function dataTable(buckets: readonly MinuteBucket[]): Html {
  const active = buckets.filter((b) => b.accepted + b.rejected + b.dead > 0 || b.backlog).slice(-60);
  return html`<details class="data">
<summary>Show the data (${active.length} minutes with activity)</summary>
<table>
<thead><tr><th scope="col">Minute (UTC)</th><th scope="col">Accepted</th><th scope="col">Rejected</th><th scope="col">Ack median (ms)</th><th scope="col">Over 1 s</th><th scope="col">Pending</th><th scope="col">Dead</th></tr></thead>
<tbody>${active.map(
    (b) =>
      html`<tr><th scope="row">${new Date(b.minute * 60_000).toISOString().slice(11, 16)}</th><td>${b.accepted}</td><td>${b.rejected}</td><td>${ackQuantile(b.ack, 0.5) ?? '–'}</td><td>${b.ackOver1s}</td><td>${b.backlog?.pending ?? '–'}</td><td>${b.dead}</td></tr>`,
  )}</tbody>
</table>
</details>`;
}

function errorTable(failed: readonly { id: string; record: unknown }[]): Html {
  const counts = new Map<number, number>();
  for (const message of failed) {
    try {
      for (const err of fromStoredRecord(message.id, message.record).errors)
        counts.set(err.code, (counts.get(err.code) ?? 0) + 1);
    } catch {
      // An unreadable record is shown on its own page; it has no codes to count here.
    }
  }
  if (counts.size === 0) return html`<p class="ok-line">✓ No failed messages in the last 24 hours.</p>`;
  const rows = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 10);
  return html`<table>
<thead><tr><th scope="col">Code</th><th scope="col">Title</th><th scope="col">Messages</th><th scope="col">Retry?</th></tr></thead>
<tbody>${rows.map(([code, count]) => {
    const entry = lookupErrorCode(code);
    return html`<tr data-row><td><a href="/dashboard/messages?status=failed&amp;code=${code}">${code}</a></td><td>${entry?.title ?? 'not in the catalog'}</td><td>${boundedCount(count, FAILED_SAMPLE)}</td><td>${entry?.retryLabel ?? 'unknown'}</td></tr>`;
  })}</tbody>
</table>
<p class="muted small">From the newest ${FAILED_SAMPLE} failed messages of the last 24 hours.</p>`;
}

function backlogTable(backlogs: readonly SubscriptionBacklog[], now: number): Html {
  if (backlogs.length === 0) return html`<p class="ok-line">✓ No delivery is pending or dead.</p>`;
  return html`<table>
<thead><tr><th scope="col">Subscription</th><th scope="col">Pending</th><th scope="col">Oldest pending</th><th scope="col">Dead letters</th></tr></thead>
<tbody>${backlogs.map(
    (b) =>
      html`<tr data-row><td><a href="/dashboard/deliveries?subscription=${b.subscriptionId}">${b.subscriptionId}</a></td><td>${b.pending}</td><td>${age(b.oldestPendingAt, now)}</td><td>${b.dead}</td></tr>`,
  )}</tbody>
</table>`;
}

export function seriesJson(buckets: readonly MinuteBucket[]) {
  return {
    x: buckets.map((b) => b.minute * 60),
    p50: buckets.map((b) => ackQuantile(b.ack, 0.5)),
    p95: buckets.map((b) => ackQuantile(b.ack, 0.95)),
    p99: buckets.map((b) => ackQuantile(b.ack, 0.99)),
    accepted: buckets.map((b) => b.accepted),
    rejected: buckets.map((b) => b.rejected),
    duplicates: buckets.map((b) => b.duplicates),
    pending: buckets.map((b) => b.backlog?.pending ?? null),
    oldestAgeS: buckets.map((b) => b.backlog?.oldestAgeS ?? null),
    dead: buckets.map((b) => b.dead),
  };
}
