import { type CatalogEntry, formatCodeRange, listErrorCodes } from './error-catalog.js';

/**
 * Renders docs/error-codes.md from the catalog. The test suite compares the file with this output,
 * so the doc cannot drift; regenerate it with
 * `npx vitest run -u test/unit/whatsapp/error-catalog.test.ts`.
 */
export function renderErrorCodesMarkdown(entries: readonly CatalogEntry[] = listErrorCodes()): string {
  const header = [
    '# WhatsApp error codes',
    '',
    '<!-- Generated from src/whatsapp/error-catalog*.ts; edit those files, then run',
    '     `npx vitest run -u test/unit/whatsapp/error-catalog.test.ts` to regenerate. -->',
    '',
    'What each code means, whether retrying the message helps, and what to do. The same catalog',
    'answers `wahook explain <code>` and writes the `explanation` of each error in `GET /v1/messages/{wamid}`.',
    'Build decisions on the code (and `error_data.details`), never on titles: Meta plans to drop them.',
    '',
    'Retry classes: `retry` transient, retry with backoff · `wait` retry only after waiting ·',
    '`no_retry` do not send the same message again · `fix_config` fix the configuration or account',
    'first · `inbound_only` concerns a message the user sent. HTTP is the typical status of a',
    'synchronous send response (a hint only; `—` when the code arrives only in webhooks).',
    'A single code wins over a range that contains it.',
    '',
  ];
  const table = alignTable(
    ['code', 'title', 'source', 'HTTP', 'retry', 'meaning', 'what to do'],
    entries.map(rowCells),
  );
  return `${[...header, ...table].join('\n')}\n`;
}

function rowCells(entry: CatalogEntry): string[] {
  return [
    formatCodeRange(entry),
    entry.title,
    entry.source,
    entry.httpStatus === null ? '—' : String(entry.httpStatus),
    `\`${entry.retry}\`: ${entry.retryLabel}`,
    entry.meaning,
    entry.remedy,
  ].map(escapeCell);
}

/** Pads every column to its widest cell, as the formatter lays out Markdown tables, so lint stays clean. */
function alignTable(head: string[], rows: string[][]): string[] {
  const widths = head.map((_title, column) =>
    Math.max(3, ...[head, ...rows].map((row) => [...(row[column] ?? '')].length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell + ' '.repeat((widths[column] ?? 0) - [...cell].length)).join(' | ')} |`;
  return [line(head), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];
}

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|');
}
