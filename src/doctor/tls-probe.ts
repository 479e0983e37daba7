import type { LookupAddress } from 'node:dns';
import { connect, type DetailedPeerCertificate, type PeerCertificate, rootCertificates } from 'node:tls';
import { describeError } from './dns.js';
import { type DoctorSettings, hostOf, isBareIp, portOf } from './options.js';

/** What one TLS handshake showed; the TLS checks judge these facts. */
export interface TlsFacts {
  /** Negotiated protocol, e.g. `TLSv1.3`. */
  readonly protocol: string;
  /** OpenSSL's verdict on the chain (`DEPTH_ZERO_SELF_SIGNED_CERT`, …), undefined when trusted. */
  readonly verifyError: string | undefined;
  /** Leaf first, then each issuer as far as the served chain and the trust store reach. */
  readonly chain: readonly PeerCertificate[];
}

export type TlsProbe =
  | { readonly ok: true; readonly facts: TlsFacts }
  | { readonly ok: false; readonly error: string };

/** The public roots plus the extra CA, or undefined to let Node use its default store unchanged. */
export function trustedCas(settings: DoctorSettings): (string | Buffer)[] | undefined {
  return settings.ca === undefined ? undefined : [...rootCertificates, settings.ca];
}

/**
 * Connects without rejecting an untrusted peer, so that the checks can say *why* it is untrusted
 * instead of reporting one opaque handshake error. Old protocol versions are allowed here only so
 * that a server stuck on TLS 1.0/1.1 is reported as such.
 */
export function probeTls(settings: DoctorSettings, address: LookupAddress): Promise<TlsProbe> {
  const host = hostOf(settings.url);
  return new Promise((resolve) => {
    const socket = connect({
      host: address.address,
      port: portOf(settings.url),
      // SNI carries names only; an IP in servername is rejected by RFC 6066.
      ...(isBareIp(settings.url) ? {} : { servername: host }),
      rejectUnauthorized: false,
      minVersion: 'TLSv1',
      ca: trustedCas(settings),
    });
    const finish = (probe: TlsProbe) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(probe);
    };
    const timer = setTimeout(
      () => finish({ ok: false, error: `no TLS handshake within ${settings.stepTimeoutMs} ms` }),
      settings.stepTimeoutMs,
    );
    socket.once('secureConnect', () => {
      finish({
        ok: true,
        facts: {
          protocol: socket.getProtocol() ?? 'unknown',
          verifyError: socket.authorized ? undefined : errorCode(socket.authorizationError),
          chain: walkChain(socket.getPeerCertificate(true)),
        },
      });
    });
    socket.once('error', (error) => finish({ ok: false, error: describeError(error) }));
  });
}

// Node documents authorizationError as an Error but sets the OpenSSL code string at runtime.
function errorCode(error: unknown): string {
  if (typeof error === 'string') return error;
  if (error instanceof Error) return (error as NodeJS.ErrnoException).code ?? error.message;
  return 'UNKNOWN_VERIFY_ERROR';
}

function walkChain(leaf: DetailedPeerCertificate): PeerCertificate[] {
  const chain: PeerCertificate[] = [];
  let current: DetailedPeerCertificate | undefined = leaf;
  // A root's issuerCertificate is itself; stop there.
  while (
    current?.raw !== undefined &&
    !chain.some((seen) => seen.fingerprint256 === current?.fingerprint256)
  ) {
    chain.push(current);
    current = current.issuerCertificate;
  }
  return chain;
}

export function describeCertificate(cert: PeerCertificate): string {
  return `"${nameOf(cert.subject)}" issued by "${nameOf(cert.issuer)}"`;
}

function nameOf(name: PeerCertificate['subject'] | undefined): string {
  if (name === undefined) return 'unknown';
  const cn = name.CN;
  if (cn !== undefined) return `CN=${Array.isArray(cn) ? cn.join('+') : cn}`;
  return Object.entries(name)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : value}`)
    .join(', ');
}
