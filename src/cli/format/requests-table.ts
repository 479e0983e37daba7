import { z } from 'zod';
import { WahookError } from '../../errors.js';
import { renderTable } from './table.js';

/** The log of refused webhook requests (GET /v1/requests) as `wahook requests` prints it. */
const rejectedRequestSchema = z.object({
  id: z.number(),
  received_at: z.string(),
  method: z.string(),
  path: z.string(),
  status: z.number(),
  reason: z.string(),
  hints: z.array(z.string()).default([]),
  body_bytes: z.number().optional(),
  remote_address: z.string().nullable().optional(),
});

const requestLogSchema = z.object({ requests: z.array(rejectedRequestSchema) });

export type RejectedRequestView = z.output<typeof rejectedRequestSchema>;

export function parseRequestLog(json: unknown, origin: string): RejectedRequestView[] {
  const parsed = requestLogSchema.safeParse(json);
  if (parsed.success) return parsed.data.requests;
  throw new WahookError('internal', `${origin} gave a request log this wahook cannot read`, {
    hint: 'Run the same wahook version as the server, or add --json to see the answer as it came.',
  });
}

/** One table row per request, newest first as the server sends them, each followed by its hints. */
export function renderRequestLog(requests: readonly RejectedRequestView[]): string[] {
  if (requests.length === 0) {
    return [
      'No refused requests in the log: every webhook request that reached wahook was accepted.',
      'Deliveries that never reach wahook are not here: see docs/troubleshooting.md#verified-but-no-events',
    ];
  }
  const table = renderTable(
    ['time', 'method', 'path', 'status', 'reason', 'from'],
    requests.map((request) => [
      request.received_at,
      request.method,
      request.path,
      String(request.status),
      request.reason,
      request.remote_address ?? '',
    ]),
  );
  const lines = [table[0] ?? ''];
  requests.forEach((request, index) => {
    lines.push(table[index + 1] ?? '');
    for (const hint of request.hints) lines.push(`    hint: ${hint}`);
  });
  lines.push('', 'Causes and fixes by reason: docs/troubleshooting.md#401-behind-a-proxy');
  return lines;
}
