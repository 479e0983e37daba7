import type { Random } from '../random.js';

/**
 * Identifiers shaped like the real ones. A wamid is `wamid.` + base64 of a small protobuf-like
 * record: the counterpart's number, a direction byte and a hex message key, which is what real
 * wamids decode to (compare the examples in the webhook reference). The factory remembers every
 * key it issued, so ids never repeat within a run.
 */
const OUTBOUND_DIRECTION = 0x11;
const INBOUND_DIRECTION = 0x12;

export interface WamidFactory {
  /** A wamid for a message the business sent to `counterpart` (phone number, BSUID or group id). */
  outbound(counterpart: string): string;
  /** A wamid for a message the user `counterpart` sent. */
  inbound(counterpart: string): string;
}

function encodeWamid(counterpart: string, direction: number, key: string): string {
  const who = Buffer.from(counterpart, 'ascii');
  const keyBytes = Buffer.from(key, 'ascii');
  const record = Buffer.concat([
    Buffer.from([0x1c, 0x18, who.length]),
    who,
    Buffer.from([0x15, 0x02, 0x00, direction, 0x18, keyBytes.length]),
    keyBytes,
    Buffer.from([0x00]),
  ]);
  return `wamid.${record.toString('base64')}`;
}

export function createWamidFactory(random: Random): WamidFactory {
  const issued = new Set<string>();
  const freshKey = (length: number): string => {
    for (;;) {
      const key = random.hex(length);
      if (!issued.has(key)) {
        issued.add(key);
        return key;
      }
    }
  };
  return {
    outbound: (counterpart) => encodeWamid(counterpart, OUTBOUND_DIRECTION, freshKey(18)),
    inbound: (counterpart) => encodeWamid(counterpart, INBOUND_DIRECTION, freshKey(22)),
  };
}

/** Graph object ids (media, templates, catalogs) are long decimal strings without a leading zero. */
export function graphId(random: Random, length = 15): string {
  return `${random.int(1, 9)}${random.digits(length - 1)}`;
}

/** Media `sha256` fields are base64 of the 32-byte digest. */
export function mediaSha256(random: Random): string {
  return Buffer.from(random.bytes(32)).toString('base64');
}

export function lookasideUrl(random: Random, mediaId: string, timestamp: number): string {
  const hash = Buffer.from(random.bytes(9)).toString('base64url');
  return `https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=${mediaId}&ext=${timestamp + 300}&hash=AT${hash}`;
}
