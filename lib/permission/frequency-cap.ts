/**
 * The rolling 7-day marketing cap (contract rule 6), defined once so the gate, the store's
 * bookkeeping and external checkers count the same way.
 */
import type { Frequency } from '../customer/model';
import { PermissionGateInputError } from './errors';
import { DAY_MS } from './zone-offsets';

/** Length of the cap window: exactly 7 × 24 hours (not 7 local calendar days). */
export const FREQUENCY_WINDOW_MS = 7 * DAY_MS;

/**
 * The number of counted (marketing) sends in the cap window that ends at instant `atMs`: those
 * whose `at` lies in the half-open interval `(atMs − FREQUENCY_WINDOW_MS, atMs]` — strictly after
 * the instant exactly 7 days earlier, and at or before `atMs`.
 *
 * The gate sends a marketing message at `t` only if this count at `t` is below `maxPerWeek`.
 * When sends are recorded in time order, that guarantees the checkable property: no half-open
 * 7-day window — `[a, a + 7 days)` or `(a, a + 7 days]`, for any instant `a` — holds more than
 * `maxPerWeek` marketing sends. (A closed window `[a, a + 7 days]` may hold one more: sends exactly
 * 7 days apart do not count against each other.)
 */
export function sendsInCapWindow(sendTimesMs: readonly number[], atMs: number): number {
  const after = atMs - FREQUENCY_WINDOW_MS;
  let count = 0;
  for (const sentAt of sendTimesMs) {
    if (sentAt > after && sentAt <= atMs) count += 1;
  }
  return count;
}

/** The epoch-ms instants of the counted sends; throws {@link PermissionGateInputError} on a malformed one. */
export function sendTimesOf(frequency: Frequency): number[] {
  return frequency.sends.map((send, index) => {
    const at = Date.parse(send.at);
    if (Number.isNaN(at)) throw new PermissionGateInputError(`frequency.sends[${index}].at is not an instant`);
    return at;
  });
}

/** Whether one more marketing message may go out at `atMs` under `maxPerWeek` (no cap when undefined). */
export function capAllows(maxPerWeek: number | undefined, sendTimesMs: readonly number[], atMs: number): boolean {
  return maxPerWeek === undefined || sendsInCapWindow(sendTimesMs, atMs) < maxPerWeek;
}
