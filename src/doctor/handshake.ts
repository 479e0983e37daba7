import { randomBytes, randomInt } from 'node:crypto';
import { describeOutcome, type HttpOutcome, type HttpSession, isRedirect } from './http-client.js';
import type { DoctorSettings } from './options.js';
import { type CheckMeta, type CheckResult, fail, pass, skip, warn } from './types.js';

export const NO_REDIRECT_CHECK: CheckMeta = { id: 'no-redirect', title: 'Answers without redirecting' };
export const HANDSHAKE_CHECK: CheckMeta = {
  id: 'handshake',
  title: 'Verification handshake echoes the challenge',
};
export const WRONG_TOKEN_CHECK: CheckMeta = { id: 'wrong-token', title: 'Wrong verify token refused' };

export const REDIRECT_FIX =
  'Meta and 360dialog do not follow redirects: enter the final URL (scheme, host, path and trailing ' +
  'slash exactly as the server expects) as the Callback URL, or stop the server from redirecting it.';

export interface HandshakeRequest {
  readonly token: string;
  readonly challenge: string;
}

/** Meta's challenge is documented both as an int and a string; digits are valid for both readings. */
export function randomChallenge(): string {
  return String(randomInt(1_000_000_000, 281_474_976_710_655));
}

export function sendHandshake(session: HttpSession, settings: DoctorSettings, request: HandshakeRequest) {
  return session.send({
    method: 'GET',
    query: { 'hub.mode': 'subscribe', 'hub.verify_token': request.token, 'hub.challenge': request.challenge },
    timeoutMs: settings.stepTimeoutMs,
  });
}

/** A handshake with a token nobody configured: the first request, and the one the wrong-token check judges. */
export function wrongTokenRequest(): HandshakeRequest {
  return { token: `wahook-doctor-wrong-${randomBytes(8).toString('hex')}`, challenge: randomChallenge() };
}

export function checkNoRedirect(outcome: HttpOutcome): CheckResult {
  if (outcome.kind === 'no-answer') {
    return fail(
      NO_REDIRECT_CHECK,
      `no HTTP answer to a GET of the URL (${outcome.error})`,
      'Make sure an HTTP server answers on this URL; check the proxy in front of it and its upstream.',
    );
  }
  if (isRedirect(outcome)) {
    return fail(NO_REDIRECT_CHECK, `the URL redirects: ${describeOutcome(outcome)}`, REDIRECT_FIX);
  }
  return pass(NO_REDIRECT_CHECK, `the URL answers directly (${describeOutcome(outcome)})`);
}

export async function checkHandshake(session: HttpSession, settings: DoctorSettings): Promise<CheckResult> {
  if (settings.verifyToken === undefined) {
    return skip(
      HANDSHAKE_CHECK,
      'no verify token configured',
      'Set WAHOOK_VERIFY_TOKEN (or pass --verify-token) to the token entered in the App Dashboard.',
    );
  }
  const challenge = randomChallenge();
  const outcome = await sendHandshake(session, settings, { token: settings.verifyToken, challenge });
  const tokenFix =
    'Answer GET ?hub.mode=subscribe&hub.verify_token=T&hub.challenge=C with 200 and body C exactly when ' +
    'T equals the configured verify token; check that the server and the App Dashboard use the same token.';
  if (outcome.kind === 'no-answer') {
    return fail(HANDSHAKE_CHECK, `the handshake got no answer (${outcome.error})`, tokenFix);
  }
  if (isRedirect(outcome))
    return fail(HANDSHAKE_CHECK, `the handshake was redirected (${describeOutcome(outcome)})`, REDIRECT_FIX);
  if (outcome.status !== 200) {
    return fail(HANDSHAKE_CHECK, `the configured token was refused: ${describeOutcome(outcome)}`, tokenFix);
  }
  if (outcome.body !== challenge) {
    return fail(
      HANDSHAKE_CHECK,
      `answered 200 but the body ${JSON.stringify(outcome.body.slice(0, 80))} is not the challenge ${JSON.stringify(challenge)}`,
      'Return the hub.challenge value byte for byte as a text/plain body: no JSON quoting, no number parsing, no trailing newline.',
    );
  }
  return pass(HANDSHAKE_CHECK, `echoed the challenge exactly (${describeOutcome(outcome)})`);
}

/**
 * Judges the answer to a random token. Echoing it is a failure whatever else is known; a refusal
 * only proves something when the real token was accepted, otherwise the server may refuse everything.
 */
export function checkWrongToken(
  outcome: HttpOutcome,
  request: HandshakeRequest,
  handshake: CheckResult,
): CheckResult {
  if (
    outcome.kind === 'answer' &&
    outcome.status >= 200 &&
    outcome.status < 300 &&
    outcome.body.includes(request.challenge)
  ) {
    return fail(
      WRONG_TOKEN_CHECK,
      `a random verify token was accepted and its challenge echoed (${describeOutcome(outcome)}): anyone can point their app here`,
      'Compare hub.verify_token with the configured token (in constant time) and answer 403 when it differs.',
    );
  }
  if (handshake.status !== 'pass') {
    return skip(
      WRONG_TOKEN_CHECK,
      'cannot tell a refusal from a broken endpoint until the handshake check passes',
    );
  }
  if (outcome.kind === 'answer' && outcome.status === 200) {
    return warn(
      WRONG_TOKEN_CHECK,
      'a random token got 200 without the challenge; Meta treats that as unverified, but 403 is the convention',
      'Answer 403 when hub.verify_token does not match.',
    );
  }
  return pass(WRONG_TOKEN_CHECK, `a random token was refused (${describeOutcome(outcome)})`);
}
