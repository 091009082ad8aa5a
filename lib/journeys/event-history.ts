/**
 * Where a customer's event history lives in their attributes, and the goal check the send path
 * and the branches make before every message: small, so the send function does not load the
 * journey format.
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

/**
 * The instant (epoch ms) after which the goal event counts.
 *
 * A launch's entry (an audience, a schedule, the inactivity scan: `launched`) counts from its own
 * instant, the launcher execution's start on Step Functions' clock. A big launch starts its
 * customers' executions over minutes or hours after that instant; an order placed in between is
 * an order after the customer was found lapsed, and win-back must not then send "we miss you".
 *
 * An event entry counts from the later of the execution's start and the entry's own instant. That
 * instant is the producer's (the event's `occurredAt`, else its EventBridge time), and ingest takes
 * events stamped up to five minutes ahead of its clock: when the producer's clock is ahead of Step
 * Functions' by more than ingest takes to start the execution, the entry event is later than the
 * start. In a journey whose entry event is also its goal (an order starts a cross-sell that lasts
 * until the next order) counting from the start alone would take the entry itself for the goal.
 * The start still bounds it from below, as before the entry's instant was passed: a producer's
 * clock may as well run behind, and an event before the execution started is never its goal.
 */
export function goalCountsAfter(startedAt: string, entryAt: string | undefined, launched = false): number {
  const started = Date.parse(startedAt);
  if (entryAt === undefined) return started;
  return launched ? Date.parse(entryAt) : Math.max(started, Date.parse(entryAt));
}

/**
 * Whether the customer's latest `goal` event happened strictly after the customer entered: after
 * `startedAt` (the execution's start) and `entryAt` (the entry's own instant, from the execution
 * input; absent in executions started without it), or, for a launch's entry (`launched`), after
 * `entryAt` alone. See {@link goalCountsAfter}.
 */
export function isGoalReached(snapshot: CustomerSnapshot, goal: EventName, startedAt: string, entryAt?: string, launched = false): boolean {
  const state = snapshot.attributes[lastEventAttribute(goal)];
  return state !== undefined && Date.parse(state.changedAt) > goalCountsAfter(startedAt, entryAt, launched);
}

/** The goal fields a step's payload carries when its journey has a goal (send and branch steps). */
export interface GoalCheck {
  readonly goal?: EventName | undefined;
  /** When the execution started. */
  readonly enteredAt?: string | undefined;
  /** The execution input, whose `enteredAt` is the entry's own instant, and `launched` says a launch entered it. */
  readonly entry?: { readonly enteredAt?: string | undefined; readonly launched?: true | undefined } | undefined;
}

/** Whether a step whose payload carries `check` finds the journey's goal reached: never in a journey without one. */
export function isGoalReachedAtStep(snapshot: CustomerSnapshot, check: GoalCheck): boolean {
  return check.goal !== undefined && check.enteredAt !== undefined && isGoalReached(snapshot, check.goal, check.enteredAt, check.entry?.enteredAt, check.entry?.launched === true);
}

/**
 * When the customer's latest `goal` event happened, if the history holds one no later than `now`:
 * the instant a goal's stage change is dated at. The goal is noticed later — at the next branch,
 * send or wait for an event, days after the event — and a stage dated at that moment would outrank
 * a stage another journey set in between (an order on day 2 and a gold tier on day 3 would leave
 * the customer `active`, not `loyal`, once win-back noticed the order on day 7).
 */
export function goalEventInstant(snapshot: CustomerSnapshot, goal: EventName, now: Date): string | undefined {
  const state = snapshot.attributes[lastEventAttribute(goal)];
  return state !== undefined && Date.parse(state.changedAt) <= now.getTime() ? state.changedAt : undefined;
}
