import { serializeLikeMeta } from '../lib/payload.mjs';

/**
 * The inbox rows of a realistic day, in arrival order, made from a seed so every run processes the
 * same bytes. What Meta sends a business that mostly sends: status webhooks carrying one update, a
 * few carrying two or three (updates of messages sent close together), each outbound message
 * walking sent → delivered → read with some arriving out of order; inbound messages now and then;
 * and Meta's retries, exact copies of a recent body. Shapes follow the WhatsApp fact reference
 * (§5.4 statuses, §4 messages).
 */
export const DEFAULT_MIX = Object.freeze({
  inboundShare: 0.1,
  duplicateShare: 0.05,
  /** Updates per status webhook: 1 most of the time, sometimes 2 or 3. */
  updatesPerBody: [
    [1, 0.75],
    [2, 0.18],
    [3, 0.07],
  ],
});

const PHONE_NUMBER_ID = '106540352242922';
const DISPLAY_NUMBER = '15550783881';
const WABA_ID = '102290129340398';
const START = 1767261600;

/** mulberry32: small, fast, good enough to shuffle a benchmark. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick(rand, weighted) {
  let r = rand();
  for (const [value, weight] of weighted) {
    r -= weight;
    if (r <= 0) return value;
  }
  return weighted.at(-1)[0];
}

const wamid = (kind, n) =>
  `wamid.HBgLMTYzMTU1NTExODEVAgA${kind}YEj${Buffer.from(`bench-${n}`).toString('base64')}`;
const phone = (n) => `1631555${String(1000 + (n % 9000)).padStart(4, '0')}`;

function envelope(value) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: WABA_ID,
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: DISPLAY_NUMBER, phone_number_id: PHONE_NUMBER_ID },
              ...value,
            },
          },
        ],
      },
    ],
  };
}

function statusItem(update) {
  const item = {
    id: wamid('RE', update.message),
    status: update.status,
    timestamp: String(update.timestamp),
    recipient_id: phone(update.message),
  };
  if (update.status === 'sent' || update.status === 'delivered') {
    item.pricing = { billable: true, pricing_model: 'PMP', type: 'regular', category: 'utility' };
  }
  if (update.status === 'sent') {
    item.biz_opaque_callback_data = `order:${update.message}`;
    item.conversation = {
      id: `c0nv${String(update.message).padStart(28, '0')}`,
      expiration_timestamp: String(update.timestamp + 86_400),
      origin: { type: 'utility' },
    };
  }
  return item;
}

function inboundBody(n, timestamp) {
  return envelope({
    contacts: [{ profile: { name: `Customer ${n}` }, wa_id: phone(n) }],
    messages: [
      {
        from: phone(n),
        id: wamid('SE', n),
        timestamp: String(timestamp),
        type: 'text',
        text: { body: `Hallo, ich habe eine Frage zu Bestellung ${n} – können Sie helfen?` },
      },
    ],
  });
}

/**
 * The status updates of `messages` outbound messages, in the order they reach us: each message
 * is sent, then (mostly) delivered and read; webhooks overtake each other now and then.
 */
function statusUpdates(messages, rand) {
  const updates = [];
  for (let message = 0; message < messages; message++) {
    const sentAt = START + Math.floor(message / 4);
    updates.push({ message, status: 'sent', timestamp: sentAt, arrives: sentAt });
    const fate = rand();
    if (fate < 0.03) {
      updates.push({ message, status: 'failed', timestamp: sentAt + 1, arrives: sentAt + 1 });
      continue;
    }
    const deliveredAt = sentAt + 1 + Math.floor(rand() * 4);
    updates.push({ message, status: 'delivered', timestamp: deliveredAt, arrives: deliveredAt });
    if (fate < 0.75) {
      const readAt = deliveredAt + 5 + Math.floor(rand() * 120);
      updates.push({ message, status: 'read', timestamp: readAt, arrives: readAt });
    }
  }
  // A little jitter on arrival lets a later update overtake an earlier one, as concurrent webhooks do.
  for (const update of updates) update.arrives += rand() * 3 - 1;
  return updates.sort((a, b) => a.arrives - b.arrives);
}

/**
 * `rows` inbox bodies (Buffers) in arrival order, and what they hold: status updates, inbound
 * messages, duplicate bodies.
 */
export function buildWorkload(rows, { seed = 42, mix = DEFAULT_MIX } = {}) {
  const rand = random(seed);
  const statusRows = Math.round(rows * (1 - mix.inboundShare - mix.duplicateShare));
  const meanUpdates = mix.updatesPerBody.reduce((sum, [n, weight]) => sum + n * weight, 0);
  const updates = statusUpdates(Math.ceil((statusRows * meanUpdates) / 2.5) + 1, rand);

  const bodies = [];
  const stats = { statusBodies: 0, statusUpdates: 0, inbound: 0, duplicates: 0 };
  let next = 0;
  let inbound = 0;
  while (bodies.length < rows) {
    const roll = rand();
    if (roll < mix.duplicateShare && bodies.length > 0) {
      // Meta retries a body it got no 2xx for within minutes: copy one of the last few hundred.
      const from = Math.max(0, bodies.length - 1 - Math.floor(rand() * 300));
      bodies.push(bodies[from]);
      stats.duplicates += 1;
    } else if (roll < mix.duplicateShare + mix.inboundShare || next >= updates.length) {
      bodies.push(Buffer.from(serializeLikeMeta(inboundBody(inbound, START + inbound))));
      inbound += 1;
      stats.inbound += 1;
    } else {
      const count = pick(rand, mix.updatesPerBody);
      const batch = updates.slice(next, next + count);
      next += batch.length;
      bodies.push(Buffer.from(serializeLikeMeta(envelope({ statuses: batch.map(statusItem) }))));
      stats.statusBodies += 1;
      stats.statusUpdates += batch.length;
    }
  }
  const bytes = bodies.reduce((sum, body) => sum + body.length, 0);
  return { bodies, stats: { ...stats, rows: bodies.length, meanBytes: Math.round(bytes / bodies.length) } };
}
