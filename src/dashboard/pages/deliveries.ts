import type { FastifyInstance } from 'fastify';
import { replaySelected } from '../../deliver/dead-letter-replay.js';
import { previewReplay, type ReplayPreview } from '../../deliver/replay-preview.js';
import type { DeliveryListing, ListedDeliveryState } from '../../store/delivery-ports.js';
import { LISTED_DELIVERY_STATES } from '../../store/delivery-ports.js';
import { type Html, html } from '../html.js';
import { csrfField, type PageContext, page, time } from '../layout.js';
import type { DashboardServices } from '../routes.js';
import { doneNotice, doneUrl, pager, positiveId, singleQuery } from './common.js';
import { type ReplayForm, replaySelectorOf } from './replay-form.js';

/**
 * Deliveries an operator may have to act on: pending ones (attempts, last error, next attempt) and
 * dead letters, keyset-paged by id. Replay is by filter or by one id, and always shows a dry run
 * (the count per subscription, and why some would stay dead or wait) before the real one.
 */
const PAGE = 50;

export function deliveryRoutes(services: DashboardServices) {
  return async (app: FastifyInstance): Promise<void> => {
    const { store, clock, wakeups } = services.deps;

    app.get('/dashboard/deliveries', async (request, reply) => {
      const query = singleQuery(request.query);
      const state: ListedDeliveryState = LISTED_DELIVERY_STATES.includes(query.state as ListedDeliveryState)
        ? (query.state as ListedDeliveryState)
        : 'pending';
      const subscription = query.subscription || undefined;
      const after = positiveId(query.after);
      const [rows, subscriptions] = await Promise.all([
        store.listDeliveries({
          state,
          limit: PAGE,
          ...(subscription ? { subscriptionId: subscription } : {}),
          ...(after ? { afterId: after } : {}),
        }),
        store.listSubscriptions(),
      ]);
      const context = services.context(request);
      const next = rows.length === PAGE ? String(rows.at(-1)?.id) : null;
      const body = html`${doneNotice(query)}
<form class="filters" method="get" action="/dashboard/deliveries">
<label for="state">State</label>
<select id="state" name="state">${LISTED_DELIVERY_STATES.map((s) => html`<option value="${s}"${s === state ? html` selected` : ''}>${s === 'dead' ? 'dead letters' : s}</option>`)}</select>
<label for="subscription">Subscription</label>
<select id="subscription" name="subscription"><option value="">all</option>${subscriptions.map((s) => html`<option${s.id === subscription ? html` selected` : ''}>${s.id}</option>`)}</select>
<button type="submit">Show</button>
</form>
${rows.length === 0 ? html`<p class="ok-line">✓ No ${state === 'dead' ? 'dead letters' : 'pending deliveries'}${subscription ? html` for ${subscription}` : ''}.</p>` : deliveryTable(context, rows, state)}
${pager('/dashboard/deliveries', { state, subscription }, 'after', next)}
${state === 'dead' ? replayFilterForm(context, { ...(subscription ? { subscription } : {}) }) : ''}`;
      return services.send(reply, page(context, { title: 'Deliveries', live: ['deliveries'], body }));
    });

    app.post('/dashboard/deliveries/replay', async (request, reply) => {
      const form = singleQuery(request.body) as ReplayForm & { dry_run?: string };
      const selector = replaySelectorOf(form);
      if (typeof selector === 'string') {
        return services.send(reply, replayPage(services.context(request), form, undefined, selector), 400);
      }
      const now = clock.now();
      if (form.dry_run !== '0') {
        const preview = await previewReplay(store, selector, { now });
        return services.send(reply, replayPage(services.context(request), form, preview));
      }
      const replayed = await replaySelected({ store, wakeups }, selector, { now });
      request.log.info({ replayed }, 'dashboard: dead letters replayed');
      return reply.redirect(doneUrl('/dashboard/deliveries', 'replayed', replayed, { state: 'dead' }), 303);
    });
  };
}

function deliveryTable(
  context: PageContext,
  rows: readonly DeliveryListing[],
  state: ListedDeliveryState,
): Html {
  return html`<table>
<thead><tr><th scope="col">Delivery</th><th scope="col">Event</th><th scope="col">Subscription</th><th scope="col">Attempts</th><th scope="col">Last error</th><th scope="col">${state === 'dead' ? 'Dead since' : 'Next attempt'}</th>${state === 'dead' ? html`<th scope="col">Replay</th>` : ''}</tr></thead>
<tbody>${rows.map(
    (row) => html`<tr data-row id="delivery-${row.id}">
<td>${row.id}<br><span class="muted small">${row.lane}</span></td>
<td><code>${row.eventType}</code><br><span class="muted small">${row.eventId}</span></td>
<td><a href="/dashboard/subscriptions#sub-${row.subscriptionId}">${row.subscriptionId}</a></td>
<td>${row.attempts}</td>
<td>${row.lastStatus !== null ? html`<code>${row.lastStatus}</code> ` : ''}${row.lastError ?? '–'}</td>
<td>${time(state === 'dead' ? row.deadAt : row.nextAttemptAt)}</td>
${state === 'dead' ? html`<td><form method="post" action="/dashboard/deliveries/replay">${csrfField(context)}<input type="hidden" name="id" value="${row.id}"><button type="submit" aria-label="Dry run a replay of dead letter ${row.id}">Replay…</button></form></td>` : ''}
</tr>`,
  )}</tbody>
</table>`;
}

function replayFilterForm(context: PageContext, form: ReplayForm): Html {
  return html`<section aria-labelledby="replay-h" class="card">
<h2 id="replay-h">Replay dead letters by filter</h2>
<p class="muted small">A dry run comes first: it counts what would move and says why some would not.</p>
<form class="filters" method="post" action="/dashboard/deliveries/replay">${csrfField(context)}
<input type="hidden" name="dry_run" value="1">
<label for="r-sub">Subscription</label><input id="r-sub" name="subscription" value="${form.subscription ?? ''}" maxlength="200">
<label for="r-since">Dead since (UTC)</label><input id="r-since" name="since" type="datetime-local" value="${form.since ?? ''}">
<label for="r-error">Error contains</label><input id="r-error" name="error" value="${form.error ?? ''}" maxlength="200">
<button type="submit">Dry run</button>
</form>
</section>`;
}

function replayPage(
  context: PageContext,
  form: ReplayForm,
  preview: ReplayPreview | undefined,
  error?: string,
): Html {
  const hidden = html`${form.id ? html`<input type="hidden" name="id" value="${form.id}">` : ''}${form.subscription ? html`<input type="hidden" name="subscription" value="${form.subscription}">` : ''}${form.since ? html`<input type="hidden" name="since" value="${form.since}">` : ''}${form.error ? html`<input type="hidden" name="error" value="${form.error}">` : ''}`;
  const what = form.id ? `dead letter ${form.id}` : 'the dead letters matching the filter';
  const body = preview
    ? html`<section aria-labelledby="dry-h" class="card">
<h2 id="dry-h">Dry run: ${what}</h2>
<p role="status"><strong>Would replay ${preview.wouldReplay}</strong> of ${preview.matched} matched. Nothing was changed.</p>
${preview.reasons.length > 0 ? html`<ul class="issues">${preview.reasons.map((reason) => html`<li>⚠ ${reason}</li>`)}</ul>` : ''}
${
  preview.subscriptions.length > 0
    ? html`<table><thead><tr><th scope="col">Subscription</th><th scope="col">Matched</th><th scope="col">State</th></tr></thead>
<tbody>${preview.subscriptions.map((entry) => html`<tr><td><a href="/dashboard/subscriptions#sub-${entry.subscriptionId}">${entry.subscriptionId}</a></td><td>${entry.matched}</td><td>${entry.held === null ? html`<span class="state-ok">✓ active: sends</span>` : html`<span class="state-bad">⚠ ${entry.held}</span>`}</td></tr>`)}</tbody></table>`
    : ''
}
${
  preview.wouldReplay > 0
    ? html`<form method="post" action="/dashboard/deliveries/replay" data-confirm="Replay ${preview.wouldReplay} dead letter(s) now?">${csrfField(context)}${hidden}<input type="hidden" name="dry_run" value="0"><button type="submit" class="primary">Replay ${preview.wouldReplay} now</button></form>`
    : ''
}
</section>
<p><a href="/dashboard/deliveries?state=dead">Back to the dead letters</a></p>`
    : html`<p class="notice error" role="alert">${error ?? 'Nothing to replay.'}</p><p><a href="/dashboard/deliveries?state=dead">Back to the dead letters</a></p>`;
  return page(context, { title: 'Replay', body });
}
