/**
 * `wahook doctor` marks every message id it sends with this prefix (followed by a per-run id). A
 * wahook receiver stores and processes such payloads like any other webhook, so they show in the
 * API, but never fans their events out to subscriptions: one doctor run must not hand a business
 * system hundreds of fake messages (its body-limit check alone sends a 3 MB batch).
 */
export const DOCTOR_WAMID_PREFIX = 'wamid.DOCTOR-';

export function isDoctorWamid(wamid: string): boolean {
  return wamid.startsWith(DOCTOR_WAMID_PREFIX);
}
