import { type CatalogEntry, formatCodeRange, META_ERROR_CODES_URL } from '../../whatsapp/error-catalog.js';
import { alignColumns, renderTable, truncate } from './table.js';

/** How `wahook explain` shows one WhatsApp error code and the whole catalog. */

const SOURCE_LABEL: Record<CatalogEntry['source'], string> = {
  cloud: 'Cloud API',
  'on-premises': 'On-Premises API (legacy)',
};

export function renderCatalogEntry(code: number, entry: CatalogEntry): string[] {
  const range = entry.code === entry.lastCode ? '' : ` (one of ${formatCodeRange(entry)})`;
  const http =
    entry.httpStatus === null
      ? 'none: arrives only in webhooks'
      : `${entry.httpStatus} (typical status of the synchronous send response)`;
  return [
    `WhatsApp error ${code}${range}: ${entry.title}`,
    ...alignColumns([
      ['  meaning', entry.meaning],
      ['  what to do', `${entry.remedy}.`],
      ['  retry', `${entry.retry}: ${entry.retryLabel}`],
      ['  HTTP', http],
      ['  source', SOURCE_LABEL[entry.source]],
    ]),
    '',
    `Build decisions on the code, not the title. Meta's list: ${META_ERROR_CODES_URL}`,
  ];
}

/** The JSON of `wahook explain <code> --json`: the entry, plus the code asked about. */
export function catalogEntryJson(code: number, entry: CatalogEntry) {
  return { code, range: formatCodeRange(entry), ...entryFields(entry) };
}

export function catalogJson(entries: readonly CatalogEntry[]) {
  return entries.map((entry) => ({ range: formatCodeRange(entry), ...entryFields(entry) }));
}

function entryFields(entry: CatalogEntry) {
  return {
    title: entry.title,
    meaning: entry.meaning,
    remedy: entry.remedy,
    retry: entry.retry,
    retryLabel: entry.retryLabel,
    httpStatus: entry.httpStatus,
    source: entry.source,
  };
}

/** One line per entry; the meaning is left to `wahook explain <code>` to keep lines readable. */
export function renderCatalogTable(entries: readonly CatalogEntry[]): string[] {
  const rows = entries.map((entry) => [
    formatCodeRange(entry),
    entry.source,
    entry.httpStatus === null ? '-' : String(entry.httpStatus),
    entry.retry,
    truncate(entry.title, 80),
  ]);
  return [
    ...renderTable(['code', 'source', 'HTTP', 'retry', 'title'], rows),
    '',
    `${entries.length} entries. Details of one: wahook explain <code>. Also in docs/error-codes.md.`,
  ];
}
