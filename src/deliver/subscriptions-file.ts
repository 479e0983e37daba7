import { readFileSync } from 'node:fs';
import { WahookError } from '../errors.js';
import { describeIssues } from '../lib/describe-issues.js';
import type { FileSubscription, FileSyncResult, SubscriptionStore } from '../store/delivery-ports.js';
import { generateSecret } from './signing.js';
import { subscriptionsFile, toSpec } from './subscription-input.js';
import { refusedTarget } from './target-policy.js';

/**
 * WAHOOK_SUBSCRIPTIONS_FILE: subscriptions kept in version control next to the deployment. The
 * file is read and checked when the server starts (a bad file stops the start, naming the
 * problem); the store then matches it: listed subscriptions are created or updated, `file`
 * subscriptions no longer listed are disabled (not deleted: their dead letters stay visible).
 *
 *   {"subscriptions": [{"id": "erp", "url": "https://erp.example.com/hooks", "events": ["message.*"],
 *     "secret": "whsec_…", "headers": {"x-tenant": "acme"}}]}
 */
export function readSubscriptionsFile(
  path: string,
  options: { allowPrivate: boolean; readFile?: (path: string) => string },
): FileSubscription[] {
  const readFile = options.readFile ?? ((file: string) => readFileSync(file, 'utf8'));
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    throw fileError(path, `cannot be read: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw fileError(path, `is not JSON: ${(err as Error).message}`);
  }
  const parsed = subscriptionsFile.safeParse(json);
  if (!parsed.success) throw fileError(path, describeIssues(parsed.error));
  const list = Array.isArray(parsed.data) ? parsed.data : parsed.data.subscriptions;
  const seen = new Set<string>();
  for (const entry of list) {
    if (seen.has(entry.id)) throw fileError(path, `the id "${entry.id}" appears twice`);
    seen.add(entry.id);
    const refused = refusedTarget(entry.url, options);
    if (refused) throw fileError(path, `"${entry.id}": url: ${refused}`);
  }
  return list.map((entry) => ({ ...toSpec(entry), id: entry.id, secret: entry.secret ?? null }));
}

export function applySubscriptionsFile(
  store: Pick<SubscriptionStore, 'syncFileSubscriptions'>,
  subscriptions: readonly FileSubscription[],
  now: number,
): Promise<FileSyncResult> {
  return store.syncFileSubscriptions(subscriptions, now, generateSecret);
}

function fileError(path: string, problem: string): WahookError {
  return new WahookError('config_invalid', `WAHOOK_SUBSCRIPTIONS_FILE=${path}: ${problem}`, {
    hint: 'Fix the file (see docs/consuming-events.md for its format) and start again.',
  });
}
