import { checkServerIdentity } from 'node:tls';
import { DOCTOR_DEFAULTS, type DoctorSettings, hostOf } from './options.js';
import { describeCertificate, type TlsFacts } from './tls-probe.js';
import { type CheckMeta, type CheckResult, fail, pass, warn } from './types.js';

export const TLS_VERSION_CHECK: CheckMeta = { id: 'tls-version', title: 'TLS 1.2 or newer' };
export const TLS_TRUST_CHECK: CheckMeta = {
  id: 'tls-trust',
  title: 'Certificate chain complete and trusted',
};
export const TLS_HOSTNAME_CHECK: CheckMeta = { id: 'tls-hostname', title: 'Certificate matches the host' };
export const TLS_EXPIRY_CHECK: CheckMeta = {
  id: 'tls-expiry',
  title: 'Certificate valid for 30 days or more',
};

export const TLS_CHECKS = [TLS_VERSION_CHECK, TLS_TRUST_CHECK, TLS_HOSTNAME_CHECK, TLS_EXPIRY_CHECK] as const;

const DAY_MS = 86_400_000;

const PUBLIC_CA_FIX =
  "Get a certificate from a public CA (Let's Encrypt through certbot or Caddy, or your load balancer's " +
  'managed certificates) and serve it together with its intermediate certificates.';

const FULL_CHAIN_FIX =
  'Serve the full chain: the certificate followed by its intermediate certificate(s) (certbot: use ' +
  'fullchain.pem, not cert.pem; nginx: ssl_certificate points at the full chain). Browsers can hide ' +
  'this because they cache intermediates; Meta and 360dialog do not.';

export function checkTlsVersion(facts: TlsFacts): CheckResult {
  if (facts.protocol === 'TLSv1.2' || facts.protocol === 'TLSv1.3') {
    return pass(TLS_VERSION_CHECK, `negotiated ${facts.protocol}`);
  }
  return fail(
    TLS_VERSION_CHECK,
    `the server negotiated ${facts.protocol}, which is obsolete`,
    'Enable TLS 1.2 and 1.3 on the server or proxy (nginx: ssl_protocols TLSv1.2 TLSv1.3;).',
  );
}

/** When the handshake itself failed there is no certificate to judge; say what most likely went wrong. */
export function failedHandshake(error: string): CheckResult {
  if (/wrong.version.number|packet.length.too.long|http.request/i.test(error)) {
    return fail(
      TLS_VERSION_CHECK,
      `the port does not speak TLS, it looks like plain HTTP (${error})`,
      'Point the https:// URL at the TLS port (normally 443), or terminate TLS in front of the server.',
    );
  }
  if (/protocol.version|unsupported.protocol|no.protocols/i.test(error)) {
    return fail(
      TLS_VERSION_CHECK,
      `the server offers no TLS version from 1.2 up (${error})`,
      'Enable TLS 1.2 and 1.3 on the server or proxy (nginx: ssl_protocols TLSv1.2 TLSv1.3;).',
    );
  }
  return fail(
    TLS_VERSION_CHECK,
    `the TLS handshake failed (${error})`,
    'Make sure the port speaks TLS 1.2 or 1.3 with a certificate configured; the server log says more.',
  );
}

export function checkTlsTrust(facts: TlsFacts): CheckResult {
  const leaf = facts.chain[0];
  const named = leaf === undefined ? 'the certificate' : `the certificate ${describeCertificate(leaf)}`;
  const code = facts.verifyError;
  if (code === undefined || code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return pass(TLS_TRUST_CHECK, `${named} chains to a trusted root`);
  }
  switch (code) {
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return pass(
        TLS_TRUST_CHECK,
        `${named} chains to a trusted root; its dates are judged by the expiry check`,
      );
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return fail(
        TLS_TRUST_CHECK,
        `${named} is self-signed; Meta does not accept self-signed certificates`,
        PUBLIC_CA_FIX,
      );
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      return fail(
        TLS_TRUST_CHECK,
        `${named} was served without its intermediate certificate, so the chain cannot be verified`,
        FULL_CHAIN_FIX,
      );
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return fail(
        TLS_TRUST_CHECK,
        `${named} chains to a root CA that is not publicly trusted`,
        privateCaFix(),
      );
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
      return fail(
        TLS_TRUST_CHECK,
        `${named} does not chain to a trusted root: an intermediate is missing or the CA is private`,
        `${FULL_CHAIN_FIX} If the CA is private: ${privateCaFix()}`,
      );
    default:
      return fail(TLS_TRUST_CHECK, `${named} is not trusted (${code})`, PUBLIC_CA_FIX);
  }
}

function privateCaFix(): string {
  return `${PUBLIC_CA_FIX} A private CA can be checked here with --ca-file, but Meta will still refuse it.`;
}

export function checkTlsHostname(settings: DoctorSettings, facts: TlsFacts): CheckResult {
  const leaf = facts.chain[0];
  const host = hostOf(settings.url);
  if (leaf === undefined) {
    return fail(TLS_HOSTNAME_CHECK, 'the server sent no certificate', PUBLIC_CA_FIX);
  }
  const mismatch = checkServerIdentity(host, leaf);
  if (mismatch === undefined) return pass(TLS_HOSTNAME_CHECK, `the certificate covers ${host}`);
  const names = leaf.subjectaltname ?? 'no subject alternative names';
  return fail(
    TLS_HOSTNAME_CHECK,
    `the certificate ${describeCertificate(leaf)} does not cover ${host} (it names ${names})`,
    `Issue a certificate whose subject alternative names include ${host}, or use a host name it covers.`,
  );
}

export function checkTlsExpiry(settings: DoctorSettings, facts: TlsFacts): CheckResult {
  const leaf = facts.chain[0];
  if (leaf === undefined) return fail(TLS_EXPIRY_CHECK, 'the server sent no certificate', PUBLIC_CA_FIX);
  const now = settings.now();
  const validFrom = Date.parse(leaf.valid_from);
  const validTo = Date.parse(leaf.valid_to);
  const renew =
    'Renew the certificate and set up automatic renewal (certbot renew, Caddy, managed certificates).';
  if (Number.isNaN(validFrom) || Number.isNaN(validTo)) {
    return fail(
      TLS_EXPIRY_CHECK,
      `the certificate dates cannot be read (${leaf.valid_from} – ${leaf.valid_to})`,
      renew,
    );
  }
  if (now < validFrom) {
    return fail(TLS_EXPIRY_CHECK, `the certificate is not valid before ${isoDate(validFrom)}`, renew);
  }
  if (now >= validTo) {
    return fail(TLS_EXPIRY_CHECK, `the certificate expired on ${isoDate(validTo)}`, renew);
  }
  const daysLeft = Math.floor((validTo - now) / DAY_MS);
  const detail = `the certificate expires on ${isoDate(validTo)}, in ${daysLeft} day${daysLeft === 1 ? '' : 's'}`;
  if (daysLeft < DOCTOR_DEFAULTS.expiryWarningDays) return warn(TLS_EXPIRY_CHECK, detail, renew);
  return pass(TLS_EXPIRY_CHECK, detail);
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
