import type { FastifyInstance } from 'fastify';
import { rejectionVerdict } from '../../receive/forensics.js';
import type { RejectedRequestRow } from '../../store/ports.js';
import { type Html, html } from '../html.js';
import { page, time } from '../layout.js';
import type { DashboardServices } from '../routes.js';
import { pager, positiveId, singleQuery } from './common.js';

/**
 * Requests wahook refused (bad or missing signature, too large, unknown route), newest first, each
 * with a one-line verdict of the likely cause. The log is bounded (WAHOOK_REJECTED_LOG_MAX_ROWS)
 * and keeps a redacted shape of each body, never its bytes.
 */
const PAGE = 50;

export function requestRoutes(services: DashboardServices) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/dashboard/requests', async (request, reply) => {
      const query = singleQuery(request.query);
      const before = positiveId(query.before);
      const rows = await services.deps.store.listRejected({
        limit: PAGE,
        ...(before === undefined ? {} : { beforeId: before }),
      });
      const next = rows.length === PAGE ? String(rows.at(-1)?.id) : null;
      const body = html`
<p class="muted">Accepted requests are in the <a href="/dashboard/inbox">inbox</a>; this log keeps the refused ones (bounded, newest first).</p>
${rows.length === 0 ? html`<p class="ok-line">✓ No refused request in the log.</p>` : requestTable(rows)}
${pager('/dashboard/requests', {}, 'before', next)}`;
      return services.send(
        reply,
        page(services.context(request), { title: 'Rejected requests', live: ['requests'], body }),
      );
    });
  };
}

function requestTable(rows: readonly RejectedRequestRow[]): Html {
  return html`<table>
<thead><tr><th scope="col">Time (UTC)</th><th scope="col">Request</th><th scope="col">Answer</th><th scope="col">Verdict</th><th scope="col">From</th></tr></thead>
<tbody>${rows.map(
    (row) => html`<tr data-row id="request-${row.id}">
<td>${time(row.receivedAt)}</td>
<td><code>${row.method} ${row.path}</code><br><span class="muted small">${row.bodyBytes} bytes${row.headers['user-agent'] ? html`, ${row.headers['user-agent']}` : ''}</span></td>
<td><span class="state-bad">✗ ${row.status}</span><br><code class="small">${row.reason}</code></td>
<td><p class="verdict">${rejectionVerdict(row)}</p>
${
  row.hints.length + Object.keys(row.headers).length > 0 || row.bodyPrefix.length > 0
    ? html`<details><summary>Forensics</summary>
${row.hints.length > 0 ? html`<ul>${row.hints.map((hint) => html`<li>${hint}</li>`)}</ul>` : ''}
<dl class="facts">${Object.entries(row.headers).map(([name, value]) => html`<dt>${name}</dt><dd><code>${value}</code></dd>`)}</dl>
${row.bodyPrefix.length > 0 ? html`<p class="muted small">Body shape (values redacted):</p><pre>${row.bodyPrefix.toString('utf8')}</pre>` : ''}
</details>`
    : ''
}</td>
<td>${row.remoteAddress ?? '–'}</td>
</tr>`,
  )}</tbody>
</table>`;
}
