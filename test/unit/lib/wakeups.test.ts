import { describe, expect, test } from 'vitest';
import { type Wakeup, Wakeups } from '../../../src/lib/wakeups.js';

describe('Wakeups', () => {
  test('runs every listener when one throws, and hands the throw to the reporter', () => {
    const reported: [Wakeup, string][] = [];
    const wakeups = new Wakeups((signal, error) => reported.push([signal, error.message]));
    const ran: string[] = [];
    wakeups.on('events:appended', () => ran.push('first'));
    wakeups.on('events:appended', () => {
      throw new Error('boom');
    });
    wakeups.on('events:appended', () => ran.push('third'));

    expect(() => wakeups.signal('events:appended')).not.toThrow();
    expect(ran).toEqual(['first', 'third']);
    expect(reported).toEqual([['events:appended', 'boom']]);
  });

  test('reports a thrown value that is not an Error with its text', () => {
    const reported: string[] = [];
    const wakeups = new Wakeups((_signal, error) => reported.push(error.message));
    wakeups.on('dead_letters:replayed', () => {
      throw 'not an error';
    });
    wakeups.signal('dead_letters:replayed');
    expect(reported).toEqual(['not an error']);
  });

  test('wakes no listener of another signal and none that unsubscribed', () => {
    const wakeups = new Wakeups(() => undefined);
    let woken = 0;
    const off = wakeups.on('inbox:appended', () => {
      woken += 1;
    });
    wakeups.signal('events:appended');
    off();
    wakeups.signal('inbox:appended');
    expect(woken).toBe(0);
  });
});
