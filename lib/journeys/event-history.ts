/**
 * Where a customer's event history lives in their attributes, and the goal check the send path
 * makes before every message: small, so the send function does not load the journey format.
 */
import type { CustomerSnapshot } from '../customer/model';
import { LAST_EVENT_ATTRIBUTE_PREFIX } from '../store/table-design';
import type { EventName } from './identifiers';

/**
 * The attribute under which the ingest function keeps the latest occurrence of a customer
 * event (value: the event's instant; `changedAt`: the same instant; `touchpoint`: where it
 * happened). Goals and `eventWithin` conditions read it.
 */
export function lastEventAttribute(event: EventName): string {
  return `${LAST_EVENT_ATTRIBUTE_PREFIX}${event}`;
}

/** Whether the goal `event` happened strictly after the customer entered the journey. */
export function isGoalReached(snapshot: CustomerSnapshot, event: EventName, enteredAt: string): boolean {
  const state = snapshot.attributes[lastEventAttribute(event)];
  return state !== undefined && Date.parse(state.changedAt) > Date.parse(enteredAt);
}
