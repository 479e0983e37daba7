import { createHmac, randomBytes } from 'node:crypto';
import { secureEqual } from '../lib/secure-compare.js';

/**
 * Browser sessions without server state: the cookie carries when it was issued, when it was last
 * used and a random id, MACed with a key derived from the admin token. Every process that has the
 * token (every role serves the dashboard) accepts it, and changing the token ends every session.
 * The CSRF token is a second MAC over the session id, so a form posted from another site (which
 * cannot read our pages) cannot carry it.
 */
export const SESSION_COOKIE = 'wahook_session';
export const IDLE_MS = 4 * 60 * 60 * 1000;
export const ABSOLUTE_MS = 24 * 60 * 60 * 1000;
/** A used session's cookie is issued again (sliding idle expiry) at most this often. */
const REFRESH_MS = 5 * 60 * 1000;

export interface Session {
  id: string;
  issuedAt: number;
  seenAt: number;
}

export class SessionKeys {
  private readonly key: Buffer;

  constructor(adminToken: string) {
    this.key = createHmac('sha256', adminToken).update('wahook dashboard session v1').digest();
  }

  issue(now: number): { session: Session; cookie: string } {
    const session = { id: randomBytes(18).toString('base64url'), issuedAt: now, seenAt: now };
    return { session, cookie: this.seal(session) };
  }

  /** The session a cookie value stands for, if its MAC is ours and it has not expired. */
  open(value: string | undefined, now: number): Session | undefined {
    if (!value || value.length > 200) return undefined;
    const [payload, mac] = value.split('.');
    if (!payload || !mac || !secureEqual(mac, this.mac(payload))) return undefined;
    const [id, issued, seen] = Buffer.from(payload, 'base64url').toString('utf8').split(':');
    const issuedAt = Number(issued);
    const seenAt = Number(seen);
    if (!id || !Number.isSafeInteger(issuedAt) || !Number.isSafeInteger(seenAt)) return undefined;
    if (now - issuedAt > ABSOLUTE_MS || now - seenAt > IDLE_MS) return undefined;
    return { id, issuedAt, seenAt };
  }

  /** A fresh cookie value when the session's last-seen time is worth moving, else undefined. */
  refreshed(session: Session, now: number): string | undefined {
    return now - session.seenAt > REFRESH_MS ? this.seal({ ...session, seenAt: now }) : undefined;
  }

  csrfToken(session: Session): string {
    return this.mac(`csrf:${session.id}`);
  }

  checkCsrf(session: Session, given: unknown): boolean {
    return typeof given === 'string' && given.length > 0 && secureEqual(given, this.csrfToken(session));
  }

  private seal(session: Session): string {
    const payload = Buffer.from(`${session.id}:${session.issuedAt}:${session.seenAt}`).toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  private mac(text: string): string {
    return createHmac('sha256', this.key).update(text).digest('base64url');
  }
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(value: string, secure: boolean, maxAgeS = ABSOLUTE_MS / 1000): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    'Path=/dashboard',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${maxAgeS}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}
