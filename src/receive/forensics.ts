/**
 * Why a signature did not match, in words an operator can act on. These are guesses from the
 * request itself, so they are hints, not verdicts; the common causes are a proxy or framework that
 * changed the bytes Meta signed, or the wrong app secret.
 */
export function signatureHints(
  body: Buffer,
  headers: Record<string, string | string[] | undefined>,
): string[] {
  const hints: string[] = [];
  if (hasRawNonAscii(body)) {
    hints.push(
      'body has raw non-ASCII bytes, but Meta escapes non-ASCII as \\uXXXX: something between Meta and wahook re-encoded the body',
    );
  }
  const encoding = headers['content-encoding'];
  if (encoding && encoding !== 'identity') {
    hints.push(
      `Content-Encoding "${String(encoding)}" is set: a proxy may have compressed or re-encoded the body`,
    );
  }
  if (body.length > 2 && (body.includes('\n  ') || body.includes('": '))) {
    hints.push(
      'body looks pretty-printed or re-serialized JSON; Meta sends compact JSON, so it was rewritten',
    );
  }
  if (headers['x-hub-signature'] && !headers['x-hub-signature-256']) {
    hints.push(
      'only the legacy SHA-1 X-Hub-Signature header is present; wahook verifies X-Hub-Signature-256',
    );
  }
  if (body.length === 0) hints.push('body is empty: a proxy may have dropped it');
  return hints;
}

function hasRawNonAscii(body: Buffer): boolean {
  for (const byte of body) if (byte > 0x7f) return true;
  return false;
}
