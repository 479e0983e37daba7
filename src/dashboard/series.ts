import type { Bus } from '../observe/bus.js';

/**
 * Per-minute counters for the overview charts, kept in this process's memory from the bus: the
 * ingest path pays one array update per event and never waits for a query. A process keeps the
 * last 24 hours of what it saw itself; a restart starts empty, and on several nodes each shows its
 * own share (the per-node figures are in /metrics as well).
 *
 * Ack latency is kept as a histogram per minute, so percentiles are the upper bound of the bin
 * they fall in (the bins are finer around Meta's 250 ms and 1 s marks).
 */
export const ACK_BINS_MS = [5, 10, 25, 50, 100, 150, 200, 250, 300, 400, 500, 750, 1000, 2000, 5000, 10_000];
const MINUTE = 60_000;
export const KEPT_MINUTES = 24 * 60;

export interface MinuteBucket {
  minute: number;
  accepted: number;
  rejected: number;
  messages: number;
  statuses: number;
  otherItems: number;
  duplicates: number;
  quarantined: number;
  dead: number;
  deliveryFailures: number;
  /** Counts per ACK_BINS_MS bin, plus one for slower than the last bin. */
  ack: number[];
  ackOver1s: number;
  /** Sampled once a minute: pending deliveries and the age of the oldest (s), dead letters kept. */
  backlog: { pending: number; oldestAgeS: number | null; dead: number } | null;
}

export interface BacklogSample {
  pending: number;
  oldestPendingAt: number | null;
  dead: number;
}

export class MinuteSeries {
  private readonly buckets: MinuteBucket[] = [];
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    bus: Bus,
    private readonly now: () => number,
  ) {
    this.unsubscribe.push(
      bus.on('webhook:accepted', (event) => {
        const bucket = this.current();
        bucket.accepted++;
        const ack = bucket.ack;
        const bin = ACK_BINS_MS.findIndex((edge) => event.ackMs <= edge);
        const index = bin === -1 ? ACK_BINS_MS.length : bin;
        ack[index] = (ack[index] ?? 0) + 1;
        if (event.ackMs > 1000) bucket.ackOver1s++;
      }),
      bus.on('webhook:rejected', () => {
        this.current().rejected++;
      }),
      bus.on('process:item', (event) => {
        const bucket = this.current();
        if (event.duplicate) bucket.duplicates++;
        else if (event.kind === 'message') bucket.messages++;
        else if (event.kind === 'status') bucket.statuses++;
        else bucket.otherItems++;
      }),
      bus.on('process:row', (event) => {
        if (event.outcome === 'quarantined') this.current().quarantined++;
      }),
      bus.on('delivery:dead', () => {
        this.current().dead++;
      }),
      bus.on('delivery:retry_scheduled', () => {
        this.current().deliveryFailures++;
      }),
    );
  }

  recordBacklog(sample: BacklogSample): void {
    const now = this.now();
    this.current().backlog = {
      pending: sample.pending,
      dead: sample.dead,
      oldestAgeS:
        sample.oldestPendingAt === null
          ? null
          : Math.max(0, Math.round((now - sample.oldestPendingAt) / 1000)),
    };
  }

  /** The buckets of the last `minutes` minutes, oldest first, with empty minutes filled in. */
  window(minutes: number): MinuteBucket[] {
    const last = Math.floor(this.now() / MINUTE);
    const byMinute = new Map(this.buckets.map((bucket) => [bucket.minute, bucket]));
    const out: MinuteBucket[] = [];
    for (let minute = last - minutes + 1; minute <= last; minute++) {
      out.push(byMinute.get(minute) ?? emptyBucket(minute));
    }
    return out;
  }

  close(): void {
    for (const off of this.unsubscribe) off();
  }

  private current(): MinuteBucket {
    const minute = Math.floor(this.now() / MINUTE);
    const last = this.buckets.at(-1);
    if (last && last.minute === minute) return last;
    const bucket = emptyBucket(minute);
    this.buckets.push(bucket);
    while (this.buckets.length > 0 && (this.buckets[0]?.minute ?? minute) <= minute - KEPT_MINUTES) {
      this.buckets.shift();
    }
    return bucket;
  }
}

function emptyBucket(minute: number): MinuteBucket {
  return {
    minute,
    accepted: 0,
    rejected: 0,
    messages: 0,
    statuses: 0,
    otherItems: 0,
    duplicates: 0,
    quarantined: 0,
    dead: 0,
    deliveryFailures: 0,
    ack: new Array<number>(ACK_BINS_MS.length + 1).fill(0),
    ackOver1s: 0,
    backlog: null,
  };
}

/** The ack time under which `q` of the requests fall: the upper edge of that bin, in ms. */
export function ackQuantile(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let index = 0; index < counts.length; index++) {
    seen += counts[index] ?? 0;
    if (seen >= rank) return ACK_BINS_MS[index] ?? Number.POSITIVE_INFINITY;
  }
  return Number.POSITIVE_INFINITY;
}

/** Adds the ack histograms of several buckets. */
export function mergeAck(buckets: readonly MinuteBucket[]): number[] {
  const sum = new Array<number>(ACK_BINS_MS.length + 1).fill(0);
  for (const bucket of buckets) {
    bucket.ack.forEach((n, index) => {
      sum[index] = (sum[index] ?? 0) + n;
    });
  }
  return sum;
}
