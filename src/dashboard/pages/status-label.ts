import { type Html, html } from '../html.js';

/** A message status as the dashboard's lists show it: an icon like WhatsApp's ticks, and a tone. */
export const STATUS_ICON: Record<string, string> = {
  received: '↓',
  sent: '✓',
  delivered: '✓✓',
  read: '✓✓',
  played: '▶',
  failed: '✗',
  deleted: '⌫',
  warning: '⚠',
};

export function statusLabel(status: string): Html {
  const tone = status === 'failed' ? 'state-bad' : status === 'read' || status === 'played' ? 'state-ok' : '';
  return html`<span class="${tone}">${STATUS_ICON[status] ?? '•'} ${status}</span>`;
}
