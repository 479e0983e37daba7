import { randomBytes } from 'node:crypto';
import { signMetaBody } from '../receive/signature.js';
import { describeOutcome, type HttpOutcome, type HttpSession } from './http-client.js';
import type { DoctorSettings } from './options.js';
import { createTextMessageBody, type PayloadRun } from './payloads.js';
import { isAccepted, MISSING_SECRET_FIX, postWebhook } from './signed-post.js';
import { type CheckMeta, type CheckResult, fail, pass, skip } from './types.js';

export const UNSIGNED_POST_CHECK: CheckMeta = { id: 'unsigned-post', title: 'Unsigned POST refused' };
export const BAD_SIGNATURE_CHECK: CheckMeta = { id: 'bad-signature', title: 'Wrongly signed POST refused' };

const VERIFY_FIX =
  'Verify X-Hub-Signature-256 on every POST before storing anything: HMAC-SHA256 of the raw body with the ' +
  'app secret, compared in constant time; answer 401 when the header is missing or does not match.';

/**
 * Sends a realistic message without a signature, then with one made from a random secret (a server
 * that only checks the header is present). Accepting either means anyone can inject messages.
 */
export async function checkSpoofing(
  session: HttpSession,
  settings: DoctorSettings,
  run: PayloadRun,
  signedPost: CheckResult,
): Promise<CheckResult[]> {
  const body = createTextMessageBody(run);
  const unsigned = await postWebhook(session, body, undefined, settings.stepTimeoutMs);
  const wrongSecret = randomBytes(16).toString('hex');
  const badlySigned = await postWebhook(
    session,
    body,
    signMetaBody(body, wrongSecret),
    settings.stepTimeoutMs,
  );
  return [
    judgeRefusal(UNSIGNED_POST_CHECK, 'an unsigned', unsigned, signedPost),
    judgeRefusal(BAD_SIGNATURE_CHECK, 'a wrongly signed', badlySigned, signedPost),
  ];
}

function judgeRefusal(
  meta: CheckMeta,
  what: string,
  outcome: HttpOutcome,
  signedPost: CheckResult,
): CheckResult {
  if (isAccepted(outcome)) {
    return fail(
      meta,
      `${what} message was accepted (${describeOutcome(outcome)}): the endpoint is spoofable`,
      VERIFY_FIX,
    );
  }
  if (signedPost.status === 'skip') {
    return skip(
      meta,
      'a refusal means little until a signed message is shown to be accepted',
      MISSING_SECRET_FIX,
    );
  }
  if (signedPost.status === 'fail') {
    return skip(meta, 'a refusal means little while the signed message is refused too');
  }
  return pass(meta, `${what} message was refused (${describeOutcome(outcome)})`);
}
