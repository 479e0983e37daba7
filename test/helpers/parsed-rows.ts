import { parseEnvelope } from '../../src/process/parse/index.js';
import type { ParsedRow } from '../../src/process/plan-batch.js';
import type { InboxRow } from '../../src/store/ports.js';

/** A claimed inbox row holding `body`, parsed as the processing stage parses it. */
export function parsedRow(id: number, body: Buffer, receivedAt: number): ParsedRow {
  const row: InboxRow = {
    id,
    receivedAt,
    source: 'meta',
    auth: 'hmac',
    contentType: 'application/json',
    headers: {},
    body,
    state: 'pending',
    attempts: 0,
    error: null,
    processedAt: null,
  };
  return { row, outcome: parseEnvelope(body) };
}
