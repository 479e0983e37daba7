import type { FastifyInstance } from 'fastify';
import { decodeCursor, encodeCursor } from '../../admin/message-routes.js';
import type { MessageRecord } from '../../events/record-types.js';
import { fromStoredRecord } from '../../process/stored-record.js';
import type { EventDelivery } from '../../store/delivery-ports.js';
import type { StoredEvent, StoredMessage } from '../../store/ports.js';
import { lookupErrorCode, META_ERROR_CODES_URL } from '../../whatsapp/error-catalog.js';
import { STATUS_MEANING, statusRule } from '../../whatsapp/status-rank.js';
import { type Html, html } from '../html.js';
import { page, time } from '../layout.js';
import { maskPhone } from '../mask.js';
import type { DashboardServices } from '../routes.js';
import { singleQuery } from './common.js';
import { notFoundPage } from './inbox.js';
import { statusLabel } from './status-label.js';
import { stuckSection } from './stuck-messages.js';

/**
 * Messages: one search box that takes a wamid, a phone number or a BSUID, and a message's page
 * with its status timeline (the sender's time and when each update reached wahook, out-of-order and
 * ignored-downgrade updates named), its errors explained from the catalog, and every delivery of
 * its events. Phone numbers are masked unless the viewer reveals them (a logged click). "Stuck
 * only" lists what the stuck scan judges stuck now instead (stuck-messages.ts).
 */
const PAGE = 50;
const TIMELINE_EVENTS = 200;
const DELIVERY_ROWS = 200;

/** What a search box entry names: a wamid, or a counterpart (phone number as digits, or a BSUID). */
export function searchTarget(q: string): { wamid: string } | { counterpart: string } | undefined {
  const text = q.trim();
  if (text.length === 0) return undefined;
  if (/^wamid\./i.test(text)) return { wamid: text };
  const digits = text.replace(/[\s()+.-]/g, '');
  if (/^\d{6,20}$/.test(digits)) return { counterpart: digits };
  return { counterpart: text };
}

export function messageRoutes(services: DashboardServices) {
  return async (app: FastifyInstance): Promise<void> => {
    const { store } = services.deps;

    app.get('/dashboard/messages', async (request, reply) => {
      const query = singleQuery(request.query);
      if (query.stuck === 'true') {
        const body = html`${filtersForm('', undefined, undefined, true)}${await stuckSection(store, query.before)}`;
        return services.send(
          reply,
          page(services.context(request), { title: 'Messages', live: ['messages'], body }),
        );
      }
      const q = (query.q ?? '').slice(0, 200);
      const target = searchTarget(q);
      if (target && 'wamid' in target) {
        const found = await store.getMessage(target.wamid);
        if (found) return reply.redirect(`/dashboard/messages/${encodeURIComponent(found.id)}`, 303);
      }
      const before = query.before ? decodeCursor(query.before) : undefined;
      const status = query.status || undefined;
      const rows =
        target && 'wamid' in target
          ? []
          : await store.listMessages({
              limit: PAGE,
              ...(status ? { status } : {}),
              ...(target && 'counterpart' in target ? { counterpart: target.counterpart } : {}),
              ...(before ? { before } : {}),
            });
      const code = query.code && /^\d{1,9}$/.test(query.code) ? Number(query.code) : undefined;
      const records = rows.map((row) => ({ row, record: readable(row) }));
      const shown =
        code === undefined ? records : records.filter((r) => r.record?.errors.some((e) => e.code === code));
      const last = rows.at(-1);
      const next = last && rows.length === PAGE ? encodeCursor(last) : null;
      const body = html`
${filtersForm(q, status, code, false)}
${code === undefined ? '' : html`<p class="muted">Showing messages of this page with error ${code}. <a href="/dashboard/messages?status=failed">All failed</a></p>`}
${
  target && 'wamid' in target
    ? html`<p class="notice error" role="alert">No message ${target.wamid} has been seen (inbound, or a status of an outbound one).</p>`
    : shown.length === 0
      ? html`<p class="muted">No message matches.</p>`
      : messageTable(shown)
}
${next ? html`<nav aria-label="Pages"><a rel="next" href="/dashboard/messages?${new URLSearchParams({ ...(q ? { q } : {}), ...(status ? { status } : {}), ...(code !== undefined ? { code: String(code) } : {}), before: next }).toString()}">Next page</a></nav>` : ''}
<p class="muted small">A phone number is matched exactly (its digits, with the country code); messages stored before migration 014 are found too.</p>`;
      return services.send(
        reply,
        page(services.context(request), { title: 'Messages', live: ['messages'], body }),
      );
    });

    app.get('/dashboard/messages/:wamid', async (request, reply) => {
      const { wamid } = request.params as { wamid: string };
      const reveal = singleQuery(request.query).reveal === '1';
      const message = await store.getMessage(wamid);
      if (!message) return notFoundPage(services, request, reply);
      if (reveal) request.log.info({ wamid }, 'dashboard: phone numbers revealed on a message page');
      const record = readable(message);
      const events = await store.listEventsByKey(`msg:${wamid}`, TIMELINE_EVENTS);
      const deliveries = await store.listEventDeliveries(
        events.map((event) => event.seq),
        DELIVERY_ROWS,
      );
      const body = record
        ? messageBody(message, record, events, deliveries, reveal)
        : html`<p class="notice error" role="alert">The stored record cannot be read by this version.</p>`;
      return services.send(
        reply,
        page(services.context(request), { title: 'Message', live: ['messages'], body }),
      );
    });
  };
}

/**
 * The search and filters. "Stuck only" is its own list (by judgement, not by update), so while it
 * is checked the search and the status filter are not applied; the note under the form says so.
 */
function filtersForm(q: string, status: string | undefined, code: number | undefined, stuck: boolean): Html {
  return html`<form class="filters" role="search" method="get" action="/dashboard/messages">
<label for="q">Find</label>
<input id="q" name="q" type="search" value="${q}" placeholder="wamid, phone number or BSUID" maxlength="200" autocomplete="off">
<label for="status">Status</label>
<select id="status" name="status"><option value="">any</option>${Object.keys(STATUS_MEANING).map((s) => html`<option${s === status ? html` selected` : ''}>${s}</option>`)}</select>
<label><input id="stuck" name="stuck" type="checkbox" value="true"${stuck ? html` checked` : ''}> Stuck only</label>
${code === undefined ? '' : html`<input type="hidden" name="code" value="${code}">`}
<button type="submit">Search</button>
</form>
${stuck ? html`<p class="muted small">Stuck only: messages sent through wahook whose statuses stopped short, newest judgement first; the search and the status filter do not apply to it.</p>` : ''}`;
}

function readable(message: StoredMessage): MessageRecord | undefined {
  try {
    return fromStoredRecord(message.id, message.record);
  } catch {
    return undefined;
  }
}

function who(record: MessageRecord, reveal: boolean): string {
  const c = record.counterpart;
  const phone = (value: string | null) => (reveal ? value : maskPhone(value));
  const parts: string[] = [];
  if (c.waId) parts.push(`+${phone(c.waId)}`);
  if (c.userId) parts.push(`BSUID ${c.userId}`);
  if (c.username) parts.push(`@${c.username}`);
  if (c.name) parts.push(reveal ? `"${c.name}"` : 'name hidden');
  return parts.join(' · ') || '–';
}

function messageTable(rows: readonly { row: StoredMessage; record: MessageRecord | undefined }[]): Html {
  return html`<table>
<thead><tr><th scope="col">Message</th><th scope="col">Status</th><th scope="col">Direction</th><th scope="col">Counterpart</th><th scope="col">Errors</th><th scope="col">Updated (UTC)</th></tr></thead>
<tbody>${rows.map(
    ({ row, record }) => html`<tr data-row>
<td><a href="/dashboard/messages/${encodeURIComponent(row.id)}"><code class="small">${row.id}</code></a></td>
<td>${statusLabel(row.status)}</td>
<td>${row.direction}</td>
<td>${record ? who(record, false) : '–'}</td>
<td>${record?.errors.map((e) => e.code).join(', ') || '–'}</td>
<td>${time(row.updatedAt)}</td>
</tr>`,
  )}</tbody>
</table>`;
}

interface TimelineRow {
  status: string;
  senderAt: number;
  receivedAt: number | null;
  effective: string | null;
  notes: string[];
}

/**
 * The updates in the order they reached wahook, from the message's events: an update whose sender
 * time is older than one already seen arrived out of order; a progress status ranked below the
 * status already reached changed nothing (a downgrade, ignored). Without events (an inbound message,
 * or events removed by retention) the stored history gives the sender's times only.
 */
export function timelineOf(record: MessageRecord, events: readonly StoredEvent[]): TimelineRow[] {
  const statusEvents = events.filter((event) => event.type === 'message.status');
  if (statusEvents.length === 0) {
    return record.history.map((entry) => ({
      status: entry.status,
      senderAt: Date.parse(entry.timestamp),
      receivedAt: null,
      effective: null,
      notes: [],
    }));
  }
  const rows: TimelineRow[] = [];
  let latestSender = Number.NEGATIVE_INFINITY;
  let effective: string | null = null;
  for (const event of statusEvents) {
    const data = event.data as { status?: string; timestamp?: string; currentStatus?: string };
    const status = data.status ?? 'unknown';
    const senderAt = Date.parse(data.timestamp ?? '');
    const notes: string[] = [];
    if (senderAt < latestSender) notes.push('arrived out of order (older than an update already received)');
    const rule = statusRule(status);
    const before = effective === null ? undefined : statusRule(effective);
    if (before && rule.kind === 'progress' && before.kind === 'progress' && rule.rank < before.rank) {
      notes.push(`ignored downgrade: ${effective} stays (a message never goes back to ${status})`);
    } else if (before?.kind === 'failure' && rule.kind === 'progress' && data.currentStatus === effective) {
      notes.push(`ignored: ${effective} stays (not newer than the failure)`);
    }
    latestSender = Math.max(latestSender, Number.isNaN(senderAt) ? latestSender : senderAt);
    effective = data.currentStatus ?? effective;
    rows.push({ status, senderAt, receivedAt: event.createdAt, effective, notes });
  }
  return rows;
}

function messageBody(
  message: StoredMessage,
  record: MessageRecord,
  events: readonly StoredEvent[],
  deliveries: readonly EventDelivery[],
  reveal: boolean,
): Html {
  const timeline = timelineOf(record, events);
  const eventIds = new Map(events.map((event) => [event.id, event]));
  return html`
<dl class="facts">
<dt>wamid</dt><dd><code>${record.id}</code></dd>
<dt>Status</dt><dd>${statusLabel(record.status)}${STATUS_MEANING[record.status] ? html`: ${STATUS_MEANING[record.status]}` : ''}</dd>
<dt>Direction</dt><dd>${record.direction === 'inbound' ? 'inbound (a user wrote to the business)' : 'outbound (sent by the business)'}</dd>
<dt>${record.direction === 'inbound' ? 'From' : 'To'}</dt><dd>${who(record, reveal)} ${reveal ? html`<a href="?">hide</a>` : html`<a href="?reveal=1">reveal</a> <span class="muted small">(logged)</span>`}</dd>
<dt>Business number</dt><dd>${record.phoneNumberId ?? '–'}</dd>
${record.messageType ? html`<dt>Type</dt><dd>${record.messageType}</dd>` : ''}
${record.pricing ? html`<dt>Pricing</dt><dd>${[record.pricing.category, record.pricing.pricingModel, record.pricing.billable === false ? 'not billable' : record.pricing.billable ? 'billable' : null].filter(Boolean).join(', ')}</dd>` : ''}
<dt>First seen here</dt><dd>${time(message.firstSeenAt)}</dd>
<dt>Last update here</dt><dd>${time(message.updatedAt)}</dd>
</dl>
<section aria-labelledby="timeline-h">
<h2 id="timeline-h">Status timeline</h2>
<table>
<thead><tr><th scope="col">Status</th><th scope="col">Sender time (UTC)</th><th scope="col">Received here (UTC)</th><th scope="col">Effective after</th><th scope="col">Notes</th></tr></thead>
<tbody>${timeline.map(
    (row) =>
      html`<tr data-row><td>${statusLabel(row.status)}</td><td>${time(row.senderAt)}</td><td>${time(row.receivedAt)}</td><td>${row.effective ? statusLabel(row.effective) : '–'}</td><td>${row.notes.length ? html`<ul class="notes">${row.notes.map((note) => html`<li>⚠ ${note}</li>`)}</ul>` : '–'}</td></tr>`,
  )}</tbody>
</table>
<p class="muted small">In the order the updates reached wahook. Exact repeats of an update (Meta re-sends) are kept once and not listed.${events.length === 0 ? ' No events are kept for this message (inbound, or removed by retention): sender times only.' : ''}</p>
</section>
${record.errors.length > 0 ? errorsSection(record) : ''}
<section aria-labelledby="deliveries-h">
<h2 id="deliveries-h">Deliveries of its events</h2>
${
  deliveries.length === 0
    ? html`<p class="muted">No delivery: no subscription matched its events${events.length === 0 ? ', or none are kept' : ''}.</p>`
    : html`<table>
<thead><tr><th scope="col">Event</th><th scope="col">Subscription</th><th scope="col">State</th><th scope="col">Attempts</th><th scope="col">Last error</th><th scope="col">Next attempt / finished</th></tr></thead>
<tbody>${deliveries.map((d) => {
        const event = eventIds.get(d.eventId);
        const status = (event?.data as { status?: string } | undefined)?.status;
        return html`<tr data-row><td><code class="small">${d.eventId}</code>${status ? html`<br><span class="muted small">${status}</span>` : ''}</td><td><a href="/dashboard/deliveries?subscription=${d.subscriptionId}">${d.subscriptionId}</a></td><td>${d.state === 'succeeded' ? html`<span class="state-ok">✓ delivered</span>` : d.state === 'dead' ? html`<span class="state-bad">✗ dead letter</span>` : html`<span class="state-warn">… pending</span>`}</td><td>${d.attempts}</td><td>${d.lastStatus === null ? '' : html`<code>${d.lastStatus}</code> `}${d.lastError ?? '–'}</td><td>${time(d.state === 'pending' ? d.nextAttemptAt : d.finishedAt)}</td></tr>`;
      })}</tbody>
</table>`
}
</section>`;
}

function errorsSection(record: MessageRecord): Html {
  return html`<section aria-labelledby="errors-h">
<h2 id="errors-h">Errors, explained</h2>
${record.errors.map((err) => {
  const entry = lookupErrorCode(err.code);
  return html`<div class="card error-card">
<h3>${err.code}${err.title ? html` · ${err.title}` : ''}</h3>
${err.message && err.message !== err.title ? html`<p>Meta: ${err.message}</p>` : ''}
${err.details ? html`<p>Details: ${err.details}</p>` : ''}
<p class="explanation">${err.explanation}</p>
${entry ? html`<dl class="facts"><dt>What to do</dt><dd>${entry.remedy}.</dd><dt>Retry?</dt><dd>${entry.retry}: ${entry.retryLabel}</dd></dl>` : ''}
<p class="small"><a href="${err.href ?? META_ERROR_CODES_URL}" rel="noreferrer noopener" target="_blank">Meta's error codes</a> · <code>wahook explain ${err.code}</code></p>
</div>`;
})}
</section>`;
}
