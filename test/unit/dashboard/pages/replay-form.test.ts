import { describe, expect, it } from 'vitest';
import { replayFormError, replaySelectorOf } from '../../../../src/dashboard/pages/replay-form.js';
import { replayBody } from '../../../../src/deliver/dead-letter-input.js';

const issuesOf = (body: unknown) => replayBody.safeParse(body).error?.issues ?? [];

describe('the replay form', () => {
  it('words each refusal the form can cause as the field it is about', () => {
    expect(replaySelectorOf({})).toBe('choose a subscription, a time or an error text to replay by');
    expect(replaySelectorOf({ subscription: '', error: '' })).toBe(
      'choose a subscription, a time or an error text to replay by',
    );
    expect(replaySelectorOf({ since: 'yesterday' })).toBe('since must be a time, e.g. 2026-01-31T12:00');
    expect(replaySelectorOf({ id: 'x' })).toBe('id must be a dead letter id');
    expect(replaySelectorOf({ id: '0' })).toBe('id must be a dead letter id');
    expect(replaySelectorOf({ subscription: 'sub_1', since: '2026-01-31T12:00' })).toEqual({
      subscriptionId: 'sub_1',
      since: Date.parse('2026-01-31T12:00:00Z'),
    });
  });

  it('shows an issue it has no wording for with its own message, not as a missing filter', () => {
    expect(replayFormError(issuesOf({ subscription: '' }))).toBe(
      'subscription: Too small: expected string to have >=1 characters',
    );
    expect(replayFormError(issuesOf({ ids: ['1'], since: 'x' }))).toBe(
      'since must be a time, e.g. 2026-01-31T12:00; give either ids or filters (subscription, since, error), not both',
    );
  });
});
