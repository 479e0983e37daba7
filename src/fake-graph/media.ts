/**
 * The fake Graph API's media (whatsapp-sending.md §6.2): an upload answers `{"id"}`; GET of the id
 * answers `{messaging_product, url, mime_type, sha256, file_size, id}` with a download URL valid 5
 * minutes (on the injected clock), refused with `?phone_number_id=` of another number; the URL
 * answers the bytes only with the Bearer token, 404 once expired; DELETE answers `{"success":true}`.
 * Everything is kept in memory.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../lib/clock.js';

/** How long a media URL works, as Meta says. */
export const MEDIA_URL_TTL_MS = 5 * 60_000;
export const DOWNLOAD_PATH = '/whatsapp_business/attachments/';

interface StoredMedia {
  id: string;
  phoneNumberId: string;
  bytes: Buffer;
  mimeType: string;
  sha256: string;
}

export interface MediaInfo {
  messaging_product: 'whatsapp';
  url: string;
  mime_type: string;
  sha256: string;
  file_size: string;
  id: string;
}

export class FakeMedia {
  private readonly media = new Map<string, StoredMedia>();
  /** Download URL token → media id and when the URL was handed out. */
  private readonly urls = new Map<string, { id: string; issuedAt: number }>();
  private counter = 0;

  constructor(private readonly clock: Clock) {}

  upload(phoneNumberId: string, bytes: Buffer, mimeType: string): string {
    // Meta's media ids are 16 digits; these count up from one that looks like them.
    this.counter += 1;
    const id = String(1_037_543_291_540_000 + this.counter);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    this.media.set(id, { id, phoneNumberId, bytes, mimeType, sha256 });
    return id;
  }

  has(id: string): boolean {
    return this.media.has(id);
  }

  /** The media's description with a fresh download URL; `wrongNumber` when `?phone_number_id=` is not its owner. */
  describe(id: string, baseUrl: string, phoneNumberId?: string): MediaInfo | 'unknown' | 'wrong_number' {
    const found = this.media.get(id);
    if (!found) return 'unknown';
    if (phoneNumberId !== undefined && phoneNumberId !== found.phoneNumberId) return 'wrong_number';
    const token = randomBytes(12).toString('hex');
    this.urls.set(token, { id, issuedAt: this.clock.now() });
    return {
      messaging_product: 'whatsapp',
      url: `${baseUrl}${DOWNLOAD_PATH}?mid=${id}&hash=${token}`,
      mime_type: found.mimeType,
      sha256: found.sha256,
      // A string, as Meta's answers and the SDK typings have it.
      file_size: String(found.bytes.length),
      id,
    };
  }

  /** The bytes behind a download URL, or undefined when the URL is unknown, expired or its media deleted. */
  download(token: string): { bytes: Buffer; mimeType: string } | undefined {
    const url = this.urls.get(token);
    if (!url) return undefined;
    if (this.clock.now() - url.issuedAt > MEDIA_URL_TTL_MS) {
      this.urls.delete(token);
      return undefined;
    }
    const found = this.media.get(url.id);
    return found ? { bytes: found.bytes, mimeType: found.mimeType } : undefined;
  }

  delete(id: string): boolean {
    return this.media.delete(id);
  }
}

export interface UploadForm {
  fields: Record<string, string>;
  file?: { bytes: Buffer; mimeType: string; filename: string | null };
}

/**
 * A multipart/form-data body as an upload sends it: text fields and the one `file` part. Only
 * what an upload needs; anything it cannot read answers undefined (a 100 for the caller).
 */
export function parseUploadForm(body: Buffer, contentType: string | undefined): UploadForm | undefined {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  const mark = boundary?.[1] ?? boundary?.[2];
  if (!mark || !/^multipart\/form-data/i.test(contentType ?? '')) return undefined;
  const delimiter = Buffer.from(`--${mark}`);
  const form: UploadForm = { fields: {} };
  let at = body.indexOf(delimiter);
  while (at !== -1) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    // Each part: CRLF, headers, CRLF CRLF, content, CRLF before the next delimiter.
    const part = body.subarray(start + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    if (split === -1) return undefined;
    const headers = part.subarray(0, split).toString('utf8');
    const content = part.subarray(split + 4);
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    if (name === undefined) return undefined;
    const filename = /filename="([^"]*)"/i.exec(headers)?.[1] ?? null;
    const type = /^content-type:\s*([^\r\n;]+)/im.exec(headers)?.[1]?.trim();
    if (name === 'file') form.file = { bytes: Buffer.from(content), mimeType: type ?? '', filename };
    else form.fields[name] = content.toString('utf8');
    at = next;
  }
  return form;
}
