import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { generateSecret, secretProblem, signatureHeaders } from '../../deliver/signing.js';
import { WahookError } from '../../errors.js';
import { type AdminClient, addServerOptions, connectAdminClient, type ServerFlags } from '../api-client.js';
import { type CliContext, print } from '../context.js';
import { commaList, parseDurationFlag } from '../flags.js';

/**
 * `wahook tail`: the event stream (GET /v1/events/stream) of a running server on the terminal, or
 * forwarded to a URL on this machine signed like a subscription's deliveries, as `stripe listen`
 * does for a local app. It starts with the next event (or after --after), reconnects after a
 * dropped connection from the last event it saw, and ends cleanly on Ctrl-C. A forward is one
 * attempt: a failed one is printed, not retried (a subscription is the durable way).
 */
interface TailFlags extends ServerFlags {
  readonly types?: string;
  readonly after?: string;
  readonly forwardTo?: string;
  readonly forwardSecret?: string;
  readonly forwardTimeout: string;
  readonly json?: boolean;
}

interface StreamedEvent {
  cursor: string;
  type: string;
  data: string;
}

export function registerTail(program: Command, ctx: CliContext): void {
  const command = program
    .command('tail')
    .description(
      'Print the events of a running server as they are committed, or forward each one, signed, to a ' +
        'local URL (like `stripe listen`).',
    )
    .option(
      '--types <types>',
      'only these event types, comma-separated (e.g. message.status,message.received)',
    )
    .option(
      '--after <cursor>',
      'start after this event cursor (the `id:` of a streamed event) instead of now',
    )
    .option('--forward-to <url>', 'POST each event to this URL, signed per Standard Webhooks')
    .option(
      '--forward-secret <whsec>',
      'the whsec_ secret to sign forwards with (default: a new one, printed)',
    )
    .option('--forward-timeout <duration>', 'how long one forward may take', '10s');
  addServerOptions(command)
    .option('--json', 'print each event as one line of JSON (the event as subscribers receive it)')
    .addHelpText(
      'after',
      '\nStatus lines (connected, forwarded, failed) go to stderr; events go to stdout.\n' +
        'Exit code: 0 after Ctrl-C, 1 when the server cannot be reached, 2 for bad usage or a refused\n' +
        'admin token.\n\nExamples:\n' +
        '  wahook tail --types message.status\n' +
        '  wahook tail --forward-to http://127.0.0.1:3000/whatsapp-events',
    )
    .action(async (flags: TailFlags) => {
      ctx.exitCode = await runTail(flags, ctx);
    });
}

async function runTail(flags: TailFlags, ctx: CliContext): Promise<number> {
  const forward = forwardOptions(flags, ctx);
  if (flags.after !== undefined && !/^\d{1,15}$/.test(flags.after)) {
    throw new WahookError(
      'usage',
      `--after takes an event cursor (a number), not ${JSON.stringify(flags.after)}`,
    );
  }
  const client = connectAdminClient(flags, ctx.env);
  const stop = new AbortController();
  void ctx.stopSignal.then(() => stop.abort());
  let cursor = flags.after ?? 'latest';
  let connectedOnce = false;
  while (!stop.signal.aborted) {
    let response: Response;
    try {
      response = await client.openStream(streamPath(cursor, flags.types), stop.signal);
    } catch (err) {
      if (stop.signal.aborted) break;
      // The first connection failing is an error; a later one is a server restarting: try again.
      if (!connectedOnce) throw err;
      print(ctx.stderr, `tail: ${(err as Error).message}; retrying in 2s`);
      await sleep(2_000, undefined, { signal: stop.signal }).catch(() => undefined);
      continue;
    }
    print(ctx.stderr, connectedLine(client, flags, forward, connectedOnce));
    connectedOnce = true;
    try {
      for await (const event of readEvents(response, stop.signal)) {
        cursor = event.cursor;
        await show(event, flags, forward, ctx);
      }
    } catch (err) {
      if (stop.signal.aborted) break;
      print(ctx.stderr, `tail: the stream broke (${(err as Error).message}); reconnecting`);
    }
    if (!stop.signal.aborted) await sleep(1_000, undefined, { signal: stop.signal }).catch(() => undefined);
  }
  return 0;
}

interface Forward {
  url: string;
  secret: string;
  timeoutMs: number;
  generated: boolean;
}

function forwardOptions(flags: TailFlags, ctx: CliContext): Forward | undefined {
  if (flags.forwardTo === undefined) {
    if (flags.forwardSecret !== undefined)
      throw new WahookError('usage', '--forward-secret needs --forward-to');
    return undefined;
  }
  if (!URL.canParse(flags.forwardTo) || !/^https?:$/.test(new URL(flags.forwardTo).protocol)) {
    throw new WahookError(
      'usage',
      `--forward-to must be an http:// or https:// URL, not ${JSON.stringify(flags.forwardTo)}`,
      {
        hint: 'For example: --forward-to http://127.0.0.1:3000/whatsapp-events',
      },
    );
  }
  if (flags.forwardSecret !== undefined) {
    const problem = secretProblem(flags.forwardSecret);
    if (problem !== null) throw new WahookError('usage', `--forward-secret: ${problem}`);
  }
  return {
    url: flags.forwardTo,
    secret: flags.forwardSecret ?? generateSecret(),
    timeoutMs: parseDurationFlag('--forward-timeout', flags.forwardTimeout, (line) =>
      print(ctx.stderr, line),
    ),
    generated: flags.forwardSecret === undefined,
  };
}

function streamPath(cursor: string, types: string | undefined): string {
  const query = new URLSearchParams({ after: cursor });
  if (types !== undefined) query.set('types', commaList(types).join(','));
  return `/v1/events/stream?${query}`;
}

function connectedLine(
  client: AdminClient,
  flags: TailFlags,
  forward: Forward | undefined,
  again: boolean,
): string {
  const what =
    flags.types === undefined ? 'all events' : `events of type ${commaList(flags.types).join(', ')}`;
  const line = `tail: ${again ? 'reconnected to' : 'streaming'} ${what} from ${client.baseUrl} (Ctrl-C to stop)`;
  if (forward === undefined || again) return line;
  const secret = forward.generated
    ? ` signed with ${forward.secret} (pass --forward-secret to keep one)`
    : ' signed with --forward-secret';
  return `${line}\ntail: forwarding to ${forward.url}${secret}`;
}

async function show(event: StreamedEvent, flags: TailFlags, forward: Forward | undefined, ctx: CliContext) {
  if (flags.json === true) print(ctx.stdout, event.data);
  else print(ctx.stdout, summary(event));
  if (forward !== undefined) print(ctx.stderr, await forwardEvent(event, forward));
}

/** One line per event: when, type, id and the message it concerns; never phone numbers or texts. */
function summary(event: StreamedEvent): string {
  let parsed: { id?: string; created_at?: string; data?: Record<string, unknown> } = {};
  try {
    parsed = JSON.parse(event.data) as typeof parsed;
  } catch {
    return `${event.type}  (unreadable data)`;
  }
  const data = parsed.data ?? {};
  const detail = [data.messageId, data.status ?? data.type, data.field].filter(
    (part) => typeof part === 'string',
  );
  return [parsed.created_at ?? '-', event.type, parsed.id ?? '-', ...detail].join('  ');
}

async function forwardEvent(event: StreamedEvent, forward: Forward): Promise<string> {
  let id = `cursor-${event.cursor}`;
  try {
    id = (JSON.parse(event.data) as { id?: string }).id ?? id;
  } catch {
    // Forward it anyway under the cursor: the receiver shows what it got.
  }
  try {
    const response = await fetch(forward.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'wahook-tail',
        ...signatureHeaders(forward.secret, id, Date.now(), event.data),
      },
      body: event.data,
      signal: AbortSignal.timeout(forward.timeoutMs),
      redirect: 'manual',
    });
    await response.arrayBuffer().catch(() => undefined);
    return `tail: ${response.ok ? 'forwarded' : 'FAILED'} ${id} -> ${forward.url}: HTTP ${response.status}`;
  } catch (err) {
    const error = err as Error & { cause?: { message?: string } };
    const why =
      error.name === 'TimeoutError'
        ? `no answer within ${forward.timeoutMs} ms`
        : (error.cause?.message ?? error.message);
    return `tail: FAILED ${id} -> ${forward.url}: ${why}`;
  }
}

/** Server-Sent Events frames of the stream: `id:`, `event:` and `data:` lines ended by a blank line. */
async function* readEvents(response: Response, signal: AbortSignal): AsyncGenerator<StreamedEvent> {
  if (response.body === null) return;
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = response.body.getReader();
  const cancel = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener('abort', cancel, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = parseFrame(frame);
        if (event !== undefined) yield event;
      }
    }
  } finally {
    signal.removeEventListener('abort', cancel);
    cancel();
  }
}

function parseFrame(frame: string): StreamedEvent | undefined {
  let cursor: string | undefined;
  let type = 'message';
  const data: string[] = [];
  for (const line of frame.split('\n')) {
    if (line.startsWith('id: ')) cursor = line.slice(4);
    else if (line.startsWith('event: ')) type = line.slice(7);
    else if (line.startsWith('data: ')) data.push(line.slice(6));
  }
  // Comments (heartbeats) and the retry line carry no id.
  return cursor === undefined ? undefined : { cursor, type, data: data.join('\n') };
}
