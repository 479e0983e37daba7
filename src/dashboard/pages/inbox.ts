import type { FastifyInstance } from 'fastify';
import { INBOX_STATES, type InboxRow, type InboxState } from '../../inbox/states.js';
import { parseEnvelope } from '../../process/parse/index.js';
import type { InboxSummary } from '../../store/ports.js';
import { type Html, html } from '../html.js';
import { boundedCount, csrfField, type PageContext, page, time } from '../layout.js';
import { maskPayload, prettyJson } from '../mask.js';
import type { DashboardServices } from '../routes.js';
import { doneNotice, doneUrl, pager, positiveId, singleQuery } from './common.js';

/**
 * The inbox: every accepted request, raw. Quarantined rows (signed, stored, but not readable by
 * this version) are grouped by reason; one row opens with its body (masked) and a dry run of what
 * the current parser makes of it, then a reprocess puts it back to pending for the worker.
 */
const GROUP_ROWS = 500;
const PAGE = 50;

export function inboxRoutes(services: DashboardServices) {
  return async (app: FastifyInstance): Promise<void> => {
    const { store } = services.deps;

    app.get('/dashboard/inbox', async (request, reply) => {
      const query = singleQuery(request.query);
      const state: InboxState = INBOX_STATES.includes(query.state as InboxState)
        ? (query.state as InboxState)
        : 'quarantined';
      const before = positiveId(query.before);
      const context = services.context(request);
      let content: Html;
      if (state === 'quarantined' && before === undefined) {
        const rows = await store.listInbox({ state, limit: GROUP_ROWS });
        content = groups(context, rows);
      } else {
        const rows = await store.listInbox({ state, limit: PAGE, ...(before ? { beforeId: before } : {}) });
        const next = rows.length === PAGE ? String(rows.at(-1)?.id) : null;
        content = html`${rowTable(rows)}${pager('/dashboard/inbox', { state }, 'before', next)}`;
      }
      const body = html`${doneNotice(query)}
<form class="filters" method="get" action="/dashboard/inbox">
<label for="state">State</label>
<select id="state" name="state">${INBOX_STATES.map((s) => html`<option${s === state ? html` selected` : ''}>${s}</option>`)}</select>
<button type="submit">Show</button>
</form>
${content}`;
      return services.send(reply, page(context, { title: 'Inbox', live: ['inbox'], body }));
    });

    app.get('/dashboard/inbox/:id', async (request, reply) => {
      const id = positiveId((request.params as { id: string }).id);
      const row = id === undefined ? undefined : await store.getInboxRow(id);
      if (!row) return notFoundPage(services, request, reply);
      return services.send(reply, rowPage(services.context(request), row, undefined));
    });

    // A dry run parses the body with this version's parser and changes nothing; without dry_run the
    // row goes back to pending (quarantined rows only) and the worker does the same for real.
    app.post('/dashboard/inbox/:id/reprocess', async (request, reply) => {
      const id = positiveId((request.params as { id: string }).id);
      const row = id === undefined ? undefined : await store.getInboxRow(id);
      if (!row) return notFoundPage(services, request, reply);
      const body = (request.body ?? {}) as { dry_run?: string };
      if (body.dry_run === '1') {
        return services.send(reply, rowPage(services.context(request), row, dryRun(row)));
      }
      if (row.state !== 'quarantined') {
        return services.send(
          reply,
          rowPage(
            services.context(request),
            row,
            undefined,
            `Row ${row.id} is ${row.state}, not quarantined.`,
          ),
          409,
        );
      }
      const requeued = await store.requeueQuarantined([row.id]);
      request.log.info({ inboxId: row.id, requeued }, 'dashboard: inbox row reprocessed');
      return reply.redirect(doneUrl('/dashboard/inbox', 'requeued', requeued), 303);
    });

    app.post('/dashboard/inbox/reprocess-group', async (request, reply) => {
      const body = (request.body ?? {}) as { ids?: string };
      const ids = (body.ids ?? '')
        .split(',')
        .map((text) => positiveId(text))
        .filter((id): id is number => id !== undefined)
        .slice(0, GROUP_ROWS);
      const requeued = ids.length === 0 ? 0 : await store.requeueQuarantined(ids);
      request.log.info({ rows: ids.length, requeued }, 'dashboard: quarantine group reprocessed');
      return reply.redirect(doneUrl('/dashboard/inbox', 'requeued', requeued), 303);
    });
  };
}

/** Reasons quote keys and values of the body; their shape (numbers and quoted parts) is the group. */
export function reasonGroup(reason: string | null): string {
  if (!reason) return '(no reason recorded)';
  return reason
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\d+/g, '#')
    .slice(0, 160);
}

function groups(context: PageContext, rows: readonly InboxSummary[]): Html {
  if (rows.length === 0) return html`<p class="ok-line">✓ Nothing is quarantined.</p>`;
  const byReason = new Map<string, InboxSummary[]>();
  for (const row of rows) {
    const key = reasonGroup(row.error);
    byReason.set(key, [...(byReason.get(key) ?? []), row]);
  }
  const sorted = [...byReason].sort((a, b) => b[1].length - a[1].length);
  return html`<p class="muted">${boundedCount(rows.length, GROUP_ROWS)} quarantined rows (the newest ${GROUP_ROWS} are read), in ${sorted.length} group(s) by reason.</p>
<table>
<thead><tr><th scope="col">Reason</th><th scope="col">Rows</th><th scope="col">First seen</th><th scope="col">Last seen</th><th scope="col">Sample</th><th scope="col">Action</th></tr></thead>
<tbody>${sorted.map(([reason, members]) => {
    const newest = members[0]!;
    const oldest = members.at(-1)!;
    return html`<tr data-row>
<td><code>${reason}</code></td>
<td>${members.length}</td>
<td>${time(oldest.receivedAt)}</td>
<td>${time(newest.receivedAt)}</td>
<td><a href="/dashboard/inbox/${newest.id}">row ${newest.id}</a></td>
<td><form method="post" action="/dashboard/inbox/reprocess-group" data-confirm="Put ${members.length} row(s) back to pending for the worker?">${csrfField(context)}
<input type="hidden" name="ids" value="${members.map((m) => m.id).join(',')}">
<button type="submit">Reprocess ${members.length}</button></form></td>
</tr>`;
  })}</tbody>
</table>
<p class="muted small">Open a sample row for a dry run of what this version's parser makes of it before reprocessing.</p>`;
}

function rowTable(rows: readonly InboxSummary[]): Html {
  if (rows.length === 0) return html`<p class="muted">No rows in this state.</p>`;
  return html`<table>
<thead><tr><th scope="col">Row</th><th scope="col">Received (UTC)</th><th scope="col">Source</th><th scope="col">Size</th><th scope="col">Attempts</th><th scope="col">Error</th></tr></thead>
<tbody>${rows.map(
    (row) =>
      html`<tr data-row><td><a href="/dashboard/inbox/${row.id}">${row.id}</a></td><td>${time(row.receivedAt)}</td><td>${row.source}</td><td>${row.bodyBytes} B</td><td>${row.attempts}</td><td>${row.error ?? '–'}</td></tr>`,
  )}</tbody>
</table>`;
}

export interface DryRun {
  ok: boolean;
  summary: string;
}

function dryRun(row: InboxRow): DryRun {
  const outcome = parseEnvelope(row.body);
  if (!outcome.ok) return { ok: false, summary: `Would be quarantined again: ${outcome.reason}` };
  const kinds = new Map<string, number>();
  for (const item of outcome.items) kinds.set(item.kind, (kinds.get(item.kind) ?? 0) + 1);
  const parts = [...kinds].map(([kind, n]) => `${n} ${kind}${n === 1 ? '' : 's'}`);
  return {
    ok: true,
    summary: `Parses now: ${outcome.items.length} item(s)${parts.length ? ` (${parts.join(', ')})` : ''}, ${outcome.format} format. Reprocessing would process it.`,
  };
}

function rowPage(context: PageContext, row: InboxRow, result: DryRun | undefined, error?: string): Html {
  const text = row.body.toString('utf8');
  const body = html`
${error ? html`<p class="notice error" role="alert">${error}</p>` : ''}
<dl class="facts">
<dt>State</dt><dd>${row.state === 'quarantined' ? html`<span class="state-bad">⚠ quarantined</span>` : row.state}</dd>
<dt>Reason</dt><dd>${row.error ?? '–'}</dd>
<dt>Received (UTC)</dt><dd>${time(row.receivedAt)}</dd>
<dt>Source</dt><dd>${row.source} (${row.auth})</dd>
<dt>Attempts</dt><dd>${row.attempts}</dd>
<dt>Size</dt><dd>${row.body.length} bytes, ${row.contentType ?? 'no content type'}</dd>
</dl>
${
  result
    ? html`<section aria-labelledby="dry-h" class="card"><h2 id="dry-h">Dry run</h2><p class="${result.ok ? 'ok-line' : 'state-bad'}" role="status">${result.ok ? '✓' : '✗'} ${result.summary}</p><p class="muted small">Nothing was changed.</p></section>`
    : ''
}
<div class="actions">
<form method="post" action="/dashboard/inbox/${row.id}/reprocess">${csrfField(context)}<input type="hidden" name="dry_run" value="1"><button type="submit">Dry run</button></form>
${
  row.state === 'quarantined'
    ? html`<form method="post" action="/dashboard/inbox/${row.id}/reprocess" data-confirm="Put row ${row.id} back to pending for the worker?">${csrfField(context)}<button type="submit" class="primary">Reprocess</button></form>`
    : ''
}
</div>
<h2>Body <span class="muted small">(phone numbers and texts masked)</span></h2>
<pre>${maskPayload(prettyJson(text))}</pre>`;
  return page(context, { title: `Inbox row ${row.id}`, body });
}

export function notFoundPage(
  services: DashboardServices,
  request: Parameters<DashboardServices['context']>[0],
  reply: Parameters<DashboardServices['send']>[0],
) {
  return services.send(
    reply,
    page(services.context(request), {
      title: 'Not found',
      body: html`<p>Nothing here: it may have been removed by retention.</p>`,
    }),
    404,
  );
}
