import { signMetaBody } from '../receive/signature.js';
import { describeOutcome, type HttpSession } from './http-client.js';
import type { DoctorSettings } from './options.js';
import { createLargeBatchBody, type PayloadRun } from './payloads.js';
import { BODY_LIMIT_FIX, isAccepted, postWebhook } from './signed-post.js';
import { type CheckMeta, type CheckResult, fail, pass, skip, warn } from './types.js';

export const BODY_LIMIT_CHECK: CheckMeta = { id: 'body-limit', title: 'A 3 MB batch is accepted' };

export async function checkBodyLimit(
  session: HttpSession,
  settings: DoctorSettings,
  run: PayloadRun,
  signedPost: CheckResult,
): Promise<CheckResult> {
  if (settings.appSecret === undefined) return skip(BODY_LIMIT_CHECK, 'no app secret configured');
  if (signedPost.status === 'fail') return skip(BODY_LIMIT_CHECK, 'the signed test message was not accepted');
  const body = createLargeBatchBody(run, settings.largeBodyBytes);
  // Uploading megabytes takes longer than answering a small message; allow the larger bound.
  const timeoutMs = Math.max(settings.stepTimeoutMs, settings.ackBudgetMs);
  const outcome = await postWebhook(session, body, signMetaBody(body, settings.appSecret), timeoutMs);
  const size = `a signed ${megabytes(body.length)} batch`;
  if (outcome.kind === 'no-answer') {
    const why = outcome.timedOut ? outcome.error : `the connection failed while sending (${outcome.error})`;
    return fail(BODY_LIMIT_CHECK, `${size} got no answer: ${why}`, BODY_LIMIT_FIX);
  }
  const seen = describeOutcome(outcome);
  if (outcome.status === 413)
    return fail(BODY_LIMIT_CHECK, `${size} was refused as too large (${seen})`, BODY_LIMIT_FIX);
  if (outcome.status === 200) return pass(BODY_LIMIT_CHECK, `${size} was accepted (${seen})`);
  if (isAccepted(outcome)) {
    return warn(
      BODY_LIMIT_CHECK,
      `${size} was accepted with ${seen}, but Meta documents exactly 200`,
      'Answer 200.',
    );
  }
  if (outcome.status === 401 || outcome.status === 403) {
    return fail(
      BODY_LIMIT_CHECK,
      `${size} was refused as unsigned (${seen}) although a small one passed: something cut or re-encoded the body`,
      `${BODY_LIMIT_FIX} Make sure no proxy or middleware alters the body before the signature is checked.`,
    );
  }
  return fail(BODY_LIMIT_CHECK, `${size} was not accepted (${seen})`, BODY_LIMIT_FIX);
}

function megabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}
