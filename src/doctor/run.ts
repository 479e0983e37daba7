import type { LookupAddress } from 'node:dns';
import { BODY_LIMIT_CHECK, checkBodyLimit } from './body-limit.js';
import { checkDns } from './dns.js';
import {
  checkHandshake,
  checkNoRedirect,
  checkWrongToken,
  HANDSHAKE_CHECK,
  NO_REDIRECT_CHECK,
  sendHandshake,
  WRONG_TOKEN_CHECK,
  wrongTokenRequest,
} from './handshake.js';
import { createHttpSession, type HttpSession } from './http-client.js';
import { checkLatency, LATENCY_CHECK } from './latency.js';
import { type DoctorOptions, type DoctorSettings, resolveDoctorSettings } from './options.js';
import { createPayloadRun } from './payloads.js';
import { checkSignedPost, SIGNED_POST_CHECK } from './signed-post.js';
import { BAD_SIGNATURE_CHECK, checkSpoofing, UNSIGNED_POST_CHECK } from './spoofing.js';
import { checkTcp, TCP_CHECK } from './tcp.js';
import {
  checkTlsExpiry,
  checkTlsHostname,
  checkTlsTrust,
  checkTlsVersion,
  failedHandshake,
  TLS_CHECKS,
  TLS_VERSION_CHECK,
} from './tls.js';
import { probeTls } from './tls-probe.js';
import { type CheckMeta, type CheckResult, type DoctorReport, skip, summarize } from './types.js';
import { checkHostName, checkHttps } from './url-checks.js';

/**
 * Runs every check in dependency order: URL → DNS → TCP → TLS → HTTP. A failure that makes later
 * checks impossible (no address, no connection, no TLS, a redirect) skips them with the reason; a
 * failure that does not (an untrusted certificate, plain http) lets them run, so one run shows
 * everything that stands between this endpoint and Meta. Throws only for bad usage (an invalid URL).
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const settings = resolveDoctorSettings(options);
  const startedAt = new Date().toISOString();
  const checks = new CheckList();
  checks.add(checkHttps(settings), checkHostName(settings));
  await runNetworkChecks(settings, checks);
  return {
    url: settings.url.href,
    startedAt,
    checks: checks.results,
    summary: summarize(checks.results),
    ok: checks.results.every((c) => c.status !== 'fail'),
  };
}

const HTTP_CHECKS: readonly CheckMeta[] = [
  NO_REDIRECT_CHECK,
  HANDSHAKE_CHECK,
  WRONG_TOKEN_CHECK,
  SIGNED_POST_CHECK,
  UNSIGNED_POST_CHECK,
  BAD_SIGNATURE_CHECK,
  LATENCY_CHECK,
  BODY_LIMIT_CHECK,
];

class CheckList {
  readonly results: CheckResult[] = [];
  add(...results: CheckResult[]): void {
    this.results.push(...results);
  }
  skipAll(metas: readonly CheckMeta[], reason: string): void {
    for (const meta of metas) this.results.push(skip(meta, reason));
  }
}

async function runNetworkChecks(settings: DoctorSettings, checks: CheckList): Promise<void> {
  const dns = await checkDns(settings);
  checks.add(dns.check);
  if (dns.addresses.length === 0) {
    return checks.skipAll([TCP_CHECK, ...TLS_CHECKS, ...HTTP_CHECKS], 'the host does not resolve');
  }
  const tcp = await checkTcp(settings, dns.addresses);
  checks.add(tcp.check);
  if (tcp.address === undefined) return checks.skipAll([...TLS_CHECKS, ...HTTP_CHECKS], 'no TCP connection');

  const tlsUsable = await runTlsChecks(settings, tcp.address, checks);
  if (!tlsUsable) return checks.skipAll(HTTP_CHECKS, 'no TLS connection');

  const session = createHttpSession(settings, tcp.address);
  try {
    await runHttpChecks(settings, session, checks);
  } finally {
    session.close();
  }
}

/** False when no TLS connection could be made, so nothing over HTTPS can run. */
async function runTlsChecks(
  settings: DoctorSettings,
  address: LookupAddress,
  checks: CheckList,
): Promise<boolean> {
  if (settings.url.protocol !== 'https:') {
    checks.skipAll(TLS_CHECKS, 'the URL is plain http, so there is no TLS to check (see the HTTPS check)');
    return true;
  }
  const probe = await probeTls(settings, address);
  if (!probe.ok) {
    checks.add(failedHandshake(probe.error));
    checks.skipAll(
      TLS_CHECKS.filter((meta) => meta !== TLS_VERSION_CHECK),
      'no TLS connection',
    );
    return false;
  }
  checks.add(
    checkTlsVersion(probe.facts),
    checkTlsTrust(probe.facts),
    checkTlsHostname(settings, probe.facts),
    checkTlsExpiry(settings, probe.facts),
  );
  return true;
}

async function runHttpChecks(
  settings: DoctorSettings,
  session: HttpSession,
  checks: CheckList,
): Promise<void> {
  const wrongToken = wrongTokenRequest();
  const firstAnswer = await sendHandshake(session, settings, wrongToken);
  const noRedirect = checkNoRedirect(firstAnswer);
  checks.add(noRedirect);
  if (noRedirect.status === 'fail') {
    const reason =
      firstAnswer.kind === 'answer'
        ? 'the URL redirects, so Meta would never reach the handler'
        : 'no HTTP answer';
    return checks.skipAll(HTTP_CHECKS.slice(1), reason);
  }

  const handshake = await checkHandshake(session, settings);
  checks.add(handshake, checkWrongToken(firstAnswer, wrongToken, handshake));

  const run = createPayloadRun(settings.now());
  const signedPost = await checkSignedPost(session, settings, run);
  checks.add(signedPost);
  checks.add(...(await checkSpoofing(session, settings, run, signedPost)));
  checks.add(await checkLatency(session, settings, run, signedPost));
  checks.add(await checkBodyLimit(session, settings, run, signedPost));
}
