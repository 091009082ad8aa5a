/** Questions journeys ask about attribute history, answered from the current attribute state alone. */
import type { AttributeState } from '../customer/model';

const DAY_MS = 86_400_000;

/**
 * Whether the attribute's current value was set within the last `days` days before `now`
 * ("interests changed in the last 30 days"). An absent attribute never changed; a change stamped
 * after `now` (clock skew, a virtual clock behind the data) does not count as "within".
 */
export function changedWithin(attribute: AttributeState | undefined, days: number, now: Date): boolean {
  if (attribute === undefined) return false;
  const changedAt = Date.parse(attribute.changedAt);
  const nowMs = now.getTime();
  return changedAt <= nowMs && changedAt > nowMs - days * DAY_MS;
}
