/**
 * The shapes `wahook doctor` produces. A check never throws for what it finds: a broken endpoint is
 * a `fail` result with a fix, so the report always lists every check and why it ended as it did.
 */
export const CHECK_STATUSES = ['pass', 'warn', 'fail', 'skip'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

export interface CheckResult {
  readonly id: string;
  readonly title: string;
  readonly status: CheckStatus;
  /** What was observed, in one sentence. */
  readonly detail: string;
  /** What to change; present on every fail, and on warn and skip when the user can act. */
  readonly fix?: string;
}

/** A check's identity, so the runner can report it as skipped without running it. */
export interface CheckMeta {
  readonly id: string;
  readonly title: string;
}

export interface DoctorSummary {
  readonly pass: number;
  readonly warn: number;
  readonly fail: number;
  readonly skip: number;
}

export interface DoctorReport {
  readonly url: string;
  readonly startedAt: string;
  readonly checks: readonly CheckResult[];
  readonly summary: DoctorSummary;
  /** False when any check failed. */
  readonly ok: boolean;
}

export function pass(meta: CheckMeta, detail: string): CheckResult {
  return { ...meta, status: 'pass', detail };
}

export function warn(meta: CheckMeta, detail: string, fix?: string): CheckResult {
  return fix === undefined ? { ...meta, status: 'warn', detail } : { ...meta, status: 'warn', detail, fix };
}

export function fail(meta: CheckMeta, detail: string, fix: string): CheckResult {
  return { ...meta, status: 'fail', detail, fix };
}

/** The reason says why the check could not run or could not tell; the status already says "skipped". */
export function skip(meta: CheckMeta, reason: string, fix?: string): CheckResult {
  return fix === undefined
    ? { ...meta, status: 'skip', detail: reason }
    : { ...meta, status: 'skip', detail: reason, fix };
}

export function summarize(checks: readonly CheckResult[]): DoctorSummary {
  const count = (status: CheckStatus) => checks.filter((check) => check.status === status).length;
  return { pass: count('pass'), warn: count('warn'), fail: count('fail'), skip: count('skip') };
}
