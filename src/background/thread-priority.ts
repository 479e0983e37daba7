import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * How much lower a background thread's CPU priority is than the receiver's (nice steps). When
 * processing, delivery, the sender's clients and the subscribers all want the cores, the
 * scheduler gives the receiver's thread about three times a background thread's share, so the
 * webhooks' 200s are the last to slow down; with a core to spare it changes nothing.
 */
export const BACKGROUND_NICENESS = 5;

/**
 * Lowers the calling thread's priority by `niceness` steps. On Linux the nice value belongs to a
 * thread (setpriority with the thread's id; /proc/thread-self names it), so the main thread and
 * the inbox writer keep theirs. Answers whether it could: elsewhere, or where /proc is missing, it
 * changes nothing.
 */
export function lowerThisThreadsPriority(niceness: number): boolean {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, Math.min(19, getPriority(tid) + niceness));
    return true;
  } catch {
    return false;
  }
}
