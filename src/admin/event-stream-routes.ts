import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { WahookError } from '../errors.js';
import { eventJson } from '../events/json.js';
import { Sleeper } from '../lib/sleeper.js';
import type { Wakeups } from '../lib/wakeups.js';
import type { EventReader, NodeWakeups, StoredEvent } from '../store/ports.js';
import { isSeqCursor } from './cursors.js';

/**
 * GET /v1/events/stream: the event log as Server-Sent Events. Each event's `id:` is its seq (the
 * same cursor as GET /v1/events), so a client that reconnects with `Last-Event-ID` (or `?after=`)
 * resumes exactly after the last event it saw: the stream reads the log, it does not keep a copy.
 *
 * Memory per connection is one page of events: a page is read, written, and the next is read
 * only once the socket has taken it (backpressure). When caught up the stream waits for new
 * events (the `events:appended` wake-up when processing commits in this process; with PostgreSQL
 * the store's NOTIFY when a worker on another node does, heard only while a stream is open; else a
 * poll) and sends a comment line as heartbeat so proxies keep the connection. Every stream ends cleanly when the server closes.
 */
export interface EventStreamOptions {
  store: EventReader & Pick<NodeWakeups, 'onEventsAppended'>;
  wakeups?: Pick<Wakeups, 'on'>;
  pollMs?: number;
  heartbeatMs?: number;
  pageSize?: number;
}

const DEFAULTS = { pollMs: 1_000, heartbeatMs: 15_000, pageSize: 100 };

/** `latest` or a seq cursor: checked by hand, after `latest` is looked up. */
const cursor = z
  .string()
  .meta({ description: 'an event cursor (the `id:` of a streamed event), or `latest`' });

const schema = {
  summary: 'The event log as Server-Sent Events, from a cursor, then live',
  tags: ['events'],
  querystring: z.object({
    after: cursor.optional(),
    types: z.string().optional().meta({ description: 'event types, comma-separated' }),
  }),
  // Loose: the other headers stay as they came.
  headers: z.looseObject({ 'last-event-id': cursor.optional() }),
  response: {
    200: {
      description: 'one `id:`/`data:` frame per event; a comment line as heartbeat',
      content: { 'text/event-stream': { schema: z.string() } },
    },
  },
};

export function eventStreamRoutes(options: EventStreamOptions): FastifyPluginAsync {
  const settings = { ...DEFAULTS, ...definedOnly(options) };
  return async (plain: FastifyInstance) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    const streams = new Set<EventStream>();
    const wakeAll = () => {
      for (const stream of streams) stream.wake();
    };
    const unsubscribe = options.wakeups?.on('events:appended', wakeAll);
    /** Other nodes' events, listened for only while a stream is open: a listener holds a connection. */
    let remote: (() => void) | undefined;
    app.addHook('preClose', async () => {
      for (const stream of streams) stream.close();
    });
    app.addHook('onClose', async () => {
      unsubscribe?.();
      remote?.();
      remote = undefined;
    });

    app.get('/v1/events/stream', { schema }, async (request, reply) => {
      const query = request.query;
      const lastEventId = request.headers['last-event-id'];
      const given = (typeof lastEventId === 'string' && lastEventId) || query.after || '0';
      // `latest`: only events committed from now on, as `wahook tail` shows them.
      const cursorText = given === 'latest' ? String(await options.store.lastEventSeq()) : given;
      if (!isSeqCursor(cursorText)) {
        throw new WahookError(
          'bad_request',
          'Last-Event-ID or ?after= must be an event cursor (the id: of a streamed event) or "latest"',
        );
      }
      const types = query.types ? query.types.split(',').filter(Boolean) : undefined;
      reply.hijack();
      const stream = new EventStream(reply.raw, Number(cursorText), options.store, settings, types);
      streams.add(stream);
      remote ??= options.store.onEventsAppended?.(wakeAll);
      try {
        await stream.run();
      } catch (err) {
        request.log.warn({ err }, 'event stream ended by an error');
      } finally {
        streams.delete(stream);
        stream.close();
        if (streams.size === 0) {
          remote?.();
          remote = undefined;
        }
      }
    });
  };
}

class EventStream {
  private closed = false;
  private readonly sleeper = new Sleeper();
  /** Ends a wait for the socket to drain when the stream closes first. */
  private stopDraining: (() => void) | undefined;
  private lastWriteAt = Date.now();

  constructor(
    private readonly res: ServerResponse,
    private cursor: number,
    private readonly store: EventReader,
    private readonly settings: typeof DEFAULTS,
    private readonly types: readonly string[] | undefined,
  ) {
    res.on('close', () => this.close());
  }

  async run(): Promise<void> {
    this.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // How long a client waits before reconnecting (with Last-Event-ID) after a dropped connection.
    this.write('retry: 2000\n\n');
    while (!this.closed) {
      const page = await this.store.listEvents({
        afterSeq: this.cursor,
        limit: this.settings.pageSize,
        ...(this.types ? { types: this.types } : {}),
      });
      for (const event of page) {
        if (this.closed) return;
        if (!this.write(frame(event))) await this.drained();
        this.cursor = event.seq;
      }
      if (page.length < this.settings.pageSize) await this.idle();
    }
  }

  wake(): void {
    this.sleeper.wake();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sleeper.wake();
    this.stopDraining?.();
    this.res.end();
  }

  private write(text: string): boolean {
    this.lastWriteAt = Date.now();
    return this.res.write(text);
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.stopDraining = undefined;
        resolve();
      };
      this.res.on('drain', done);
      this.stopDraining = done;
    });
  }

  /** Waits for new events (a wake or the poll), sending a heartbeat when the line has been quiet. */
  private idle(): Promise<void> {
    if (this.closed) return Promise.resolve();
    const quietFor = Date.now() - this.lastWriteAt;
    if (quietFor >= this.settings.heartbeatMs && !this.res.writableNeedDrain) this.write(': heartbeat\n\n');
    return this.sleeper.sleep(Math.min(this.settings.pollMs, this.settings.heartbeatMs));
  }
}

function frame(event: StoredEvent): string {
  return `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(eventJson(event))}\n\n`;
}

function definedOnly(options: EventStreamOptions): Partial<typeof DEFAULTS> {
  return Object.fromEntries(
    Object.entries({
      pollMs: options.pollMs,
      heartbeatMs: options.heartbeatMs,
      pageSize: options.pageSize,
    }).filter(([, value]) => value !== undefined),
  );
}
