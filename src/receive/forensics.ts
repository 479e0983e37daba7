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

/**
 * One sentence for a refused request: what most likely happened and what to change. Read from what
 * the rejected-request log keeps (the reason, the hints above and a few headers), since the body's
 * bytes are not kept.
 */
export function rejectionVerdict(request: {
  reason: string;
  hints: readonly string[];
  headers: Record<string, string>;
}): string {
  const fromMeta = /facebookexternalua|facebookplatform/i.test(request.headers['user-agent'] ?? '');
  const claims = fromMeta ? 'It claims to come from Meta, ' : '';
  switch (request.reason) {
    case 'signature_missing':
      return fromMeta
        ? "No X-Hub-Signature-256 header although the user agent is Meta's: a proxy dropped the header, or this is not Meta."
        : 'No X-Hub-Signature-256 header: not from Meta (every Meta webhook is signed), or a proxy dropped the header.';
    case 'signature_bad_prefix':
      return 'The signature header does not start with "sha256=": not Meta\'s format; a client other than Meta, or a rewritten header.';
    case 'signature_bad_length':
    case 'signature_not_hex':
      return 'The signature is not 64 hex digits: the header was cut or rewritten on the way.';
    case 'signature_mismatch': {
      if (request.hints.some((hint) => hint.includes('re-encoded') || hint.includes('re-serialized')))
        return `${claims}but the body bytes differ from what was signed: something between Meta and wahook re-encoded the body.`;
      if (request.hints.some((hint) => hint.includes('Content-Encoding')))
        return `${claims}but the body arrived compressed or re-encoded (Content-Encoding): the proxy must pass the bytes through unchanged.`;
      if (request.hints.some((hint) => hint.includes('SHA-1')))
        return 'Only the legacy SHA-1 signature is present: wahook verifies X-Hub-Signature-256.';
      return fromMeta
        ? "Signed with another secret: none of WAHOOK_APP_SECRETS is this app's secret (rotated at Meta but not here, or another app's webhook)."
        : 'The signature matches none of WAHOOK_APP_SECRETS: signed with another secret (another app, or a rotation not made here), or not from Meta.';
    }
    case 'verify_token_mismatch':
      return 'A verification handshake with a token that is not WAHOOK_VERIFY_TOKEN: the App Dashboard holds another verify token.';
    case 'handshake_malformed':
      return 'A GET on the webhook URL that is not a verification handshake (hub.mode, hub.verify_token and hub.challenge are needed).';
    case 'body_too_large':
      return 'The body is larger than WAHOOK_MAX_BODY_BYTES: raise the limit if Meta sends batches this big.';
    case 'unknown_route':
      return request.hints.length > 0
        ? `No such route: ${request.hints[0]}.`
        : 'No such route: a scanner, or a callback URL with the wrong path.';
    case 'unknown_source':
      return 'A header-auth path for a source that is not configured.';
    case 'auth_header_missing':
    case 'auth_header_mismatch':
      return "The source's secret header is missing or wrong: check the header-auth configuration on both sides.";
    default:
      return `Refused: ${request.reason}.`;
  }
}
