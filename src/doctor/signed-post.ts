import { signMetaBody } from '../receive/signature.js';
import { REDIRECT_FIX } from './handshake.js';
import { describeOutcome, type HttpOutcome, type HttpSession, isRedirect } from './http-client.js';
import type { DoctorSettings } from './options.js';
import { createTextMessageBody, type PayloadRun } from './payloads.js';
import { type CheckMeta, type CheckResult, fail, pass, skip, warn } from './types.js';

export const SIGNED_POST_CHECK: CheckMeta = {
  id: 'signed-post',
  title: 'Signed test message answered 200 in time',
};

export const MISSING_SECRET_FIX =
  'Set WAHOOK_APP_SECRETS (or pass --app-secret) to the app secret from the App Dashboard ' +
  '(App settings → Basic) to run the signed checks.';

export const ACK_FIRST_FIX =
  'Acknowledge first: store the raw body, answer 200, and process in the background. ' +
  '360dialog counts anything slower than 5 s as failed; Meta retries and backs off.';

export const BODY_LIMIT_FIX =
  'Raise the body limit to at least 3 MB (Meta batches up to 3 MB per POST; 4 MB leaves headroom): ' +
  'WAHOOK_MAX_BODY_BYTES for wahook, client_max_body_size 4m for nginx, the limit option of your framework body parser.';

export function postWebhook(
  session: HttpSession,
  body: Buffer,
  signature: string | undefined,
  timeoutMs: number,
): Promise<HttpOutcome> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (signature !== undefined) headers['x-hub-signature-256'] = signature;
  return session.send({ method: 'POST', headers, body, timeoutMs });
}

export function isAccepted(outcome: HttpOutcome): boolean {
  return outcome.kind === 'answer' && outcome.status >= 200 && outcome.status < 300;
}

export async function checkSignedPost(
  session: HttpSession,
  settings: DoctorSettings,
  run: PayloadRun,
): Promise<CheckResult> {
  if (settings.appSecret === undefined)
    return skip(SIGNED_POST_CHECK, 'no app secret configured', MISSING_SECRET_FIX);
  const body = createTextMessageBody(run);
  const outcome = await postWebhook(
    session,
    body,
    signMetaBody(body, settings.appSecret),
    settings.ackBudgetMs,
  );
  return judgeSignedPost(outcome, settings.ackBudgetMs);
}

function judgeSignedPost(outcome: HttpOutcome, budgetMs: number): CheckResult {
  if (outcome.kind === 'no-answer') {
    return outcome.timedOut
      ? fail(SIGNED_POST_CHECK, `no answer within ${budgetMs} ms`, ACK_FIRST_FIX)
      : fail(
          SIGNED_POST_CHECK,
          `the POST failed (${outcome.error})`,
          'Check the server and proxy logs for this request.',
        );
  }
  const seen = describeOutcome(outcome);
  if (isRedirect(outcome)) return fail(SIGNED_POST_CHECK, `the POST was redirected (${seen})`, REDIRECT_FIX);
  if (outcome.status === 401 || outcome.status === 403) {
    return fail(
      SIGNED_POST_CHECK,
      `a correctly signed message was refused (${seen})`,
      'Check that the server uses the same app secret as this check, and that it computes the HMAC-SHA256 ' +
        'over the raw request bytes: this body contains \\u00e4-style escapes and an emoji as a surrogate pair, ' +
        'exactly as Meta sends them, which re-serialized JSON does not reproduce.',
    );
  }
  if (outcome.status === 413) {
    return fail(SIGNED_POST_CHECK, `a one-message body was refused as too large (${seen})`, BODY_LIMIT_FIX);
  }
  if (outcome.status === 200) return pass(SIGNED_POST_CHECK, `a signed text message was accepted (${seen})`);
  if (isAccepted(outcome)) {
    return warn(
      SIGNED_POST_CHECK,
      `accepted with ${seen}, but Meta documents exactly 200 as success`,
      'Answer 200 (not 202 or 204) once the body is stored.',
    );
  }
  return fail(
    SIGNED_POST_CHECK,
    `a signed text message was not accepted (${seen})`,
    `${ACK_FIRST_FIX} Check the server log for the error.`,
  );
}
