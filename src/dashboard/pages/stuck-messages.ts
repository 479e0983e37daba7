import { decodeStuckCursor, listStuckMessages, type StuckStore } from '../../admin/stuck-messages.js';
import { type Html, html, queryString } from '../html.js';
import { time } from '../layout.js';
import { maskPhone } from '../mask.js';
import { statusLabel } from './status-label.js';

/**
 * The messages page filtered to stuck messages: the list GET /v1/messages?stuck=true answers, with
 * the stage each one is stuck at and what that usually means. Newest judgement first.
 */
const PAGE = 50;

const STAGE_TEXT: Record<string, string> = {
  sent: 'no sent',
  delivered: 'no delivered',
};

export async function stuckSection(store: StuckStore, before: string | undefined): Promise<Html> {
  const cursor = before ? decodeStuckCursor(before) : undefined;
  const list = await listStuckMessages(store, { limit: PAGE, ...(cursor ? { before: cursor } : {}) });
  const rows =
    list.entries.length === 0
      ? html`<p class="muted">No message is stuck.</p>`
      : html`<table>
<thead><tr><th scope="col">Message</th><th scope="col">Stuck at</th><th scope="col">Status now</th><th scope="col">To</th><th scope="col">Sent (UTC)</th><th scope="col">Judged (UTC)</th><th scope="col">Metadata</th></tr></thead>
<tbody>${list.entries.map(
          ({ send, message, stuck }) => html`<tr data-row data-stuck="${stuck.stage}">
<td>${
            message.history.length > 0
              ? html`<a href="/dashboard/messages/${encodeURIComponent(message.id)}"><code class="small">${message.id}</code></a>`
              : html`<code class="small">${message.id}</code>`
          }</td>
<td>${STAGE_TEXT[stuck.stage] ?? stuck.stage}</td>
<td>${statusLabel(message.status)}</td>
<td>${send.recipientKind === 'phone' ? maskPhone(send.recipient) : send.recipient}</td>
<td>${time(send.createdAt)}</td>
<td>${time(send.stuckAt)}</td>
<td>${metadataText(send.metadata)}</td>
</tr>`,
        )}</tbody>
</table>`;
  const next = list.next
    ? html`<nav aria-label="Pages"><a rel="next" href="/dashboard/messages${queryString({ stuck: 'true', before: list.next })}">Next page</a></nav>`
    : '';
  return html`${rows}${next}
<p class="muted small">Stuck at "no sent": accepted by WhatsApp, no status since (check the webhook subscription and wahook requests). Stuck at "no delivered": sent, not delivered within the limit (the phone may be offline; WhatsApp drops it silently at the message's TTL). See docs/troubleshooting.md (Stuck at sent).</p>`;
}

function metadataText(metadata: Record<string, unknown> | null): string {
  if (!metadata) return '–';
  const text = Object.entries(metadata)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ');
  return text.length > 80 ? `${text.slice(0, 79)}…` : text || '–';
}
