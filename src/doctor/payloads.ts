import { randomBytes } from 'node:crypto';
import { serializeMeta } from '../simulate/meta-json.js';
import { DOCTOR_WAMID_PREFIX } from '../whatsapp/doctor-ids.js';

/**
 * Webhook bodies the doctor sends. They look like what Meta sends, down to the bytes: non-ASCII as
 * lowercase `\u00e4` escapes, emoji as surrogate pairs, `/` as `\/`, so a receiver that verifies
 * the signature over re-serialized JSON instead of the raw bytes fails here rather than in
 * production. Every id is marked (`wamid.DOCTOR-…`, 555 test numbers) so a real server stores and
 * processes them without harm: wahook delivers none of their events to subscriptions.
 */

const WABA_ID = '100000000000000';
const METADATA = { display_phone_number: '15550100000', phone_number_id: '100000000000001' } as const;
const TEST_USER = { name: 'wahook doctor', wa_id: '15550100001' } as const;

/** Identifies one doctor run: a fresh run id keeps its test messages distinct from earlier runs. */
export interface PayloadRun {
  readonly runId: string;
  readonly nowMs: number;
}

export function createPayloadRun(nowMs: number): PayloadRun {
  return { runId: randomBytes(4).toString('hex'), nowMs };
}

export function doctorWamid(run: PayloadRun, label: string): string {
  return `${DOCTOR_WAMID_PREFIX}${run.runId}-${label}`;
}

/** One inbound text message, with umlauts, an em dash, a slash and an emoji. */
export function createTextMessageBody(run: PayloadRun): Buffer {
  const text = 'wahook doctor test \u2014 safe to ignore. Gr\u00fc\u00dfe, \u00e4\u00f6\u00e5 1/1 \u{1f44b}';
  return envelope([serializeMeta(textChange(run, 'text-1', text))]);
}

/** One delivery status for a doctor message: the most common webhook Meta sends. */
export function createStatusBody(run: PayloadRun, label: string): Buffer {
  return envelope([serializeMeta(statusChange(run, label))]);
}

/**
 * A batch of at least `targetBytes`, as Meta aggregates updates (up to 1000 per POST, up to 3 MB):
 * long text messages with a status update every tenth item.
 */
export function createLargeBatchBody(run: PayloadRun, targetBytes: number): Buffer {
  const filler = fillerText();
  const changes: string[] = [];
  let size = envelope([]).length;
  for (let n = 1; size < targetBytes; n += 1) {
    const change =
      n % 10 === 0
        ? serializeMeta(statusChange(run, `batch-${n}`))
        : serializeMeta(textChange(run, `batch-${n}`, `${n}/ ${filler}`));
    changes.push(change);
    size += change.length + (changes.length > 1 ? 1 : 0);
  }
  return envelope(changes);
}

function envelope(changes: readonly string[]): Buffer {
  return Buffer.from(
    `{"object":"whatsapp_business_account","entry":[{"id":"${WABA_ID}","changes":[${changes.join(',')}]}]}`,
  );
}

function textChange(run: PayloadRun, label: string, text: string): unknown {
  return {
    field: 'messages',
    value: {
      messaging_product: 'whatsapp',
      metadata: METADATA,
      contacts: [{ profile: { name: TEST_USER.name }, wa_id: TEST_USER.wa_id }],
      messages: [
        {
          from: TEST_USER.wa_id,
          id: doctorWamid(run, label),
          timestamp: unixSeconds(run),
          type: 'text',
          text: { body: text },
        },
      ],
    },
  };
}

function statusChange(run: PayloadRun, label: string): unknown {
  return {
    field: 'messages',
    value: {
      messaging_product: 'whatsapp',
      metadata: METADATA,
      statuses: [
        {
          id: doctorWamid(run, label),
          status: 'delivered',
          timestamp: unixSeconds(run),
          recipient_id: TEST_USER.wa_id,
          pricing: {
            billable: false,
            pricing_model: 'PMP',
            type: 'free_customer_service',
            category: 'service',
          },
        },
      ],
    },
  };
}

// About 3.7 KB once escaped, under WhatsApp's 4096-character text limit.
function fillerText(): string {
  const sentence = 'Bestellung unterwegs, Gr\u00fc\u00dfe aus K\u00f6ln \u2014 order on its way. ';
  return `${sentence.repeat(50)}\u{1f69a}`;
}

function unixSeconds(run: PayloadRun): string {
  return String(Math.floor(run.nowMs / 1000));
}
