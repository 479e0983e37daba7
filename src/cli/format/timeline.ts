import { maskPhone } from '../../observe/logger.js';
import { STATUS_MEANING } from '../../whatsapp/status-rank.js';
import type { MessageView, MessageViewCounterpart, MessageViewHistoryEntry } from './message-view.js';
import { alignColumns, renderTable } from './table.js';

/**
 * The `wahook status` timeline: what a support person needs to answer "did my message arrive?"
 * without reading JSON. Times in the history are the sender's own timestamps (what WhatsApp says
 * happened when), not when the webhooks reached us, which can be minutes or days later.
 */
export interface TimelineOptions {
  /** Print phone numbers as sent; by default they are masked like in the logs. */
  showPhone: boolean;
}

export function renderMessageTimeline(message: MessageView, options: TimelineOptions): string[] {
  return [
    `message ${message.id}`,
    ...indent(alignColumns(summaryRows(message, options))),
    '',
    'timeline (sender timestamps, UTC)',
    ...indent(
      message.record_error ? ['(unavailable: the record could not be read)'] : renderHistory(message.history),
    ),
    ...renderErrors(message),
    ...(message.record_error ? [] : renderAdvice(message)),
  ];
}

function summaryRows(message: MessageView, options: TimelineOptions): string[][] {
  const inbound = message.direction === 'inbound';
  const meaning = STATUS_MEANING[message.status];
  const rows: string[][] = [
    [
      'direction',
      inbound ? 'inbound (a user wrote to the business)' : `${message.direction} (sent by the business)`,
    ],
    ['status', meaning === undefined ? message.status : `${message.status}: ${meaning}`],
  ];
  const who = describeCounterpart(message.counterpart, options);
  if (who) rows.push([inbound ? 'from' : 'to', who]);
  if (message.phoneNumberId) rows.push(['business number', `phone_number_id ${message.phoneNumberId}`]);
  if (message.messageType) rows.push(['type', message.messageType]);
  if (message.pricing) rows.push(['pricing', describePricing(message.pricing)]);
  if (message.bizOpaqueCallbackData) rows.push(['callback data', message.bizOpaqueCallbackData]);
  if (message.first_seen_at) rows.push(['first seen here', message.first_seen_at]);
  if (message.updated_at) rows.push(['last update here', message.updated_at]);
  if (message.record_error) rows.push(['record unreadable', message.record_error]);
  return rows;
}

function describeCounterpart(
  counterpart: MessageViewCounterpart | null | undefined,
  options: TimelineOptions,
): string {
  if (!counterpart) return '';
  const phone = (value: string | null | undefined) => (options.showPhone ? value : maskPhone(value));
  const group = counterpart.recipientType === 'group';
  const parts: string[] = [];
  if (counterpart.waId) parts.push(`wa_id ${phone(counterpart.waId)}`);
  if (counterpart.recipientId && counterpart.recipientId !== counterpart.waId) {
    parts.push(group ? `group ${counterpart.recipientId}` : `recipient ${phone(counterpart.recipientId)}`);
  }
  if (counterpart.participantId) parts.push(`participant ${phone(counterpart.participantId)}`);
  if (counterpart.userId) parts.push(`user_id ${counterpart.userId}`);
  if (counterpart.username) parts.push(`@${counterpart.username}`);
  if (counterpart.name) parts.push(`"${counterpart.name}"`);
  return parts.join(', ');
}

function describePricing(pricing: NonNullable<MessageView['pricing']>): string {
  const parts = [pricing.category, pricing.pricingModel, pricing.type].filter(Boolean);
  if (pricing.billable === true) parts.push('billable');
  if (pricing.billable === false) parts.push('not billable');
  return parts.join(', ') || 'present';
}

function renderHistory(history: readonly MessageViewHistoryEntry[]): string[] {
  if (history.length === 0) return ['(no updates recorded)'];
  const start = Date.parse(history[0]?.timestamp ?? '');
  const rows = history.map((entry) => {
    const offset = entry === history[0] ? '' : formatOffset(Date.parse(entry.timestamp) - start);
    const codes = (entry.errors ?? []).map((err) => err.code);
    const note = codes.length === 0 ? '' : `error ${codes.join(', ')}`;
    return [entry.timestamp, offset, entry.status, note];
  });
  return renderTable(['time', 'after', 'status', ''], rows);
}

function renderErrors(message: MessageView): string[] {
  if (message.errors.length === 0) return [];
  const lines = ['', 'errors'];
  for (const err of message.errors) {
    const title = err.title ?? err.message;
    const details = err.details ? ` (details: ${err.details})` : '';
    lines.push(`  ${err.code}${title ? ` ${title}` : ''}${details}`);
    if (err.explanation) lines.push(`    ${err.explanation}`);
  }
  lines.push('  More on a code: wahook explain <code>');
  return lines;
}

/** Hints for the situations people ask about most, each pointing at the runbook section. */
function renderAdvice(message: MessageView): string[] {
  if (message.direction !== 'outbound') return [];
  const statuses = new Set(message.history.map((entry) => entry.status));
  if (message.status === 'sent') {
    return [
      '',
      'Still at sent: the phone may be offline or WhatsApp is still trying; a user with read receipts',
      'off never produces read. See docs/troubleshooting.md#stuck-at-sent',
    ];
  }
  if (statuses.has('read') && !statuses.has('delivered')) {
    return ['', 'No delivered update: WhatsApp sends none when the user reads the message at once.'];
  }
  return [];
}

/** `+5s`, `+2m03s`, `+1h05m`, `+3d04h`: how long after the first update. */
export function formatOffset(ms: number): string {
  if (!Number.isFinite(ms)) return '';
  const sign = ms < 0 ? '-' : '+';
  const seconds = Math.round(Math.abs(ms) / 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  if (seconds < 60) return `${sign}${seconds}s`;
  if (seconds < 3600) return `${sign}${Math.floor(seconds / 60)}m${two(seconds % 60)}s`;
  if (seconds < 86_400) return `${sign}${Math.floor(seconds / 3600)}h${two(Math.floor(seconds / 60) % 60)}m`;
  return `${sign}${Math.floor(seconds / 86_400)}d${two(Math.floor(seconds / 3600) % 24)}h`;
}

function indent(lines: readonly string[]): string[] {
  return lines.map((line) => (line === '' ? line : `  ${line}`));
}
