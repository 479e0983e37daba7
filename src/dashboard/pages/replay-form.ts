import {
  NOTHING_SELECTED,
  replayBody,
  selectorOf as selectorFromBody,
} from '../../deliver/dead-letter-input.js';
import { describeIssues, type IssueLike } from '../../lib/describe-issues.js';
import type { DeadLetterSelector } from '../../store/delivery-ports.js';

export interface ReplayForm {
  subscription?: string;
  since?: string;
  error?: string;
  id?: string;
}

/**
 * The selector a replay form names, or what is wrong with it. The form is read into the API's
 * replay body and checked by the same schema, so the dashboard picks exactly the dead letters
 * POST /v1/dead-letters/replay would; only the wording of a refusal is the form's own. A row's
 * button names one id, which goes before any filter.
 */
export function replaySelectorOf(form: ReplayForm): DeadLetterSelector | string {
  const body = replayBody.safeParse(
    form.id
      ? { ids: [form.id] }
      : {
          ...(form.subscription ? { subscription: form.subscription.slice(0, 200) } : {}),
          // A datetime-local input has no zone and no seconds: the form says it is UTC.
          ...(form.since ? { since: form.since.length === 16 ? `${form.since}:00Z` : form.since } : {}),
          ...(form.error ? { error: form.error.slice(0, 200) } : {}),
        },
  );
  if (body.success) return selectorFromBody(body.data);
  return replayFormError(body.error.issues);
}

/** The form's wording of what it can get wrong, by the field it is about. */
const FIELD_MESSAGES: Readonly<Record<string, string>> = {
  ids: 'id must be a dead letter id',
  since: 'since must be a time, e.g. 2026-01-31T12:00',
};
const NOTHING_SELECTED_MESSAGE = 'choose a subscription, a time or an error text to replay by';

/**
 * Every issue, each in the form's words when it has some and else as the API words it: an issue
 * the form did not foresee reads as itself, so it is never mistaken for a missing filter.
 */
export function replayFormError(issues: readonly (IssueLike & { readonly params?: unknown })[]): string {
  const messages = issues.map((issue) => {
    const field = issue.path[0];
    if (
      field === undefined &&
      (issue.params as { reason?: unknown } | undefined)?.reason === NOTHING_SELECTED
    )
      return NOTHING_SELECTED_MESSAGE;
    const worded = typeof field === 'string' ? FIELD_MESSAGES[field] : undefined;
    return worded ?? describeIssues({ issues: [issue] });
  });
  return messages.length === 0 ? NOTHING_SELECTED_MESSAGE : [...new Set(messages)].join('; ');
}
