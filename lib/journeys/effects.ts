/**
 * The logic behind the journeyEffects function, as plain functions: deterministic buckets,
 * branch conditions over a customer snapshot (each evaluated by `conditions.ts`, which ingest
 * shares for event entries), the end of local-time and date waits, goal checks.
 * The Lambda, the local runtime and the simulator all call these, with their own storage behind
 * {@link JourneyEffectsPorts}.
 */
import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import type { CustomerSnapshot, LifecycleStage } from '../customer/model';
import {
  CUSTOMER_NOT_FOUND_ERROR,
  type JourneyEffectsInput,
  type JourneyEffectsOutput,
} from './effects-contract';
import { allConditionsHold, conditionInstant, type Condition } from './conditions';
import { type AttributeDateWait, type ComputedWait, type LocalTimeWait, WEEKDAYS } from './format';
import { goalEventInstant, isGoalReachedAtStep } from './event-history';
import { DAY_SECONDS, EXECUTION_WAIT_LIMIT_DAYS } from './execution-limits';

export { conditionHolds } from './conditions';

/**
 * The customer's bucket 0–99 for a split or holdout node: the first 32 bits of
 * SHA-256(journey, step, customer) modulo 100. Deterministic, so reruns and the simulator agree;
 * salted with the step so that a holdout and a later split in one journey are independent.
 */
export function bucketOf(customerId: string, journeyId: string, step: string): number {
  const digest = createHash('sha256').update(`${journeyId}\u0000${step}\u0000${customerId}`).digest();
  return digest.readUInt32BE(0) % 100;
}

/** The index of the first rule whose conditions all hold, or -1 for the branch's `otherwise`. */
export function firstMatchingRule(rules: readonly (readonly Condition[])[], snapshot: CustomerSnapshot, now: Date, entryAt?: string): number {
  return rules.findIndex((conditions) => allConditionsHold(conditions, snapshot, now, entryAt));
}

function timeParts(time: string): { hour: number; minute: number } {
  const [hour = 0, minute = 0] = time.split(':').map(Number);
  return { hour, minute };
}

/**
 * The end of a local-time wait: the first instant at or after `now` when the customer's clock in
 * `zone` shows `time` on one of `weekdays`. With `weekdays` only, a matching day ends the wait at
 * once and another day ends it at the next matching midnight. A `time` that a DST change skips
 * is moved forward by the gap, as the clock does; one the clock shows twice (falling back) ends
 * the wait at whichever of the two comes first at or after `now`.
 */
export function localTimeWaitEnd(wait: LocalTimeWait, zone: string, now: Date): Date {
  const today = DateTime.fromJSDate(now, { zone }).startOf('day');
  // Eight days cover "today, but the time has passed" for a single weekday.
  for (let offset = 0; offset <= 7; offset += 1) {
    const day = today.plus({ days: offset });
    const weekday = WEEKDAYS[day.weekday - 1];
    if (wait.weekdays && (weekday === undefined || !wait.weekdays.includes(weekday))) continue;
    if (wait.time === undefined) return offset === 0 ? now : day.toJSDate();
    // Luxon picks the earlier of a time the clock shows twice (falling back); when that has
    // passed, the later one may still be ahead today, before any later matching day.
    const next = day
      .set(timeParts(wait.time))
      .getPossibleOffsets()
      .map((occurrence) => occurrence.toMillis())
      .sort((a, b) => a - b)
      .find((millis) => millis >= now.getTime());
    if (next !== undefined) return new Date(next);
  }
  throw new RangeError(`no local time matches ${JSON.stringify(wait)}`);
}

/** The default local time a date wait ends at, when the node gives none. */
export const DEFAULT_DATE_WAIT_TIME = '09:00';

/**
 * The end of a date-attribute wait: the attribute's date in the customer's zone, moved by
 * `offsetDays`, at local `time` (default {@link DEFAULT_DATE_WAIT_TIME}); with `annual`, the
 * next such anniversary at or after `now` (29 February falls on the 28th in other years).
 * A missing, unreadable or past date ends the wait at `now` (a step asks
 * {@link attributeDateWait} whether its day has passed, to go on at all).
 */
export function attributeDateWaitEnd(wait: AttributeDateWait, snapshot: CustomerSnapshot, now: Date): Date {
  return attributeDateWait(wait, snapshot, now).end;
}

/**
 * A date wait's end (see {@link attributeDateWaitEnd}) and whether its day lies in the past,
 * read from the attribute once. `passed`: the attribute's date, moved by `offsetDays`, falls
 * before today in the customer's zone. What follows the wait was written for the date ahead
 * ("renews in 7 days"), so the journey must not go on to it a month after the renewal. Later on
 * the day itself (its time passed while the customer entered) still counts: the wait ends at
 * once. Never for an annual wait, which waits for the next anniversary, nor for a missing or
 * unreadable date, which does not wait (branch on `exists` first where that matters).
 */
function attributeDateWait(wait: AttributeDateWait, snapshot: CustomerSnapshot, now: Date): { end: Date; passed: boolean } {
  const zone = snapshot.profile.timezone;
  const date = localDate(snapshot.attributes[wait.attribute]?.value, zone);
  if (!date) return { end: now, passed: false };
  const time = timeParts(wait.time ?? DEFAULT_DATE_WAIT_TIME);
  if (!wait.annual) {
    const end = dateWaitEndIn(wait, date, zone, date.year, time);
    const passed = end.startOf('day').toMillis() < DateTime.fromJSDate(now, { zone }).startOf('day').toMillis();
    return { end: end.toMillis() >= now.getTime() ? end.toJSDate() : now, passed };
  }
  // Offsets of up to a year either way: start a year back and take the first end not yet passed.
  const thisYear = DateTime.fromJSDate(now, { zone }).year;
  for (let year = thisYear - 1; year <= thisYear + 2; year += 1) {
    const end = dateWaitEndIn(wait, date, zone, year, time);
    if (end.toMillis() >= now.getTime()) return { end: end.toJSDate(), passed: false };
  }
  return { end: now, passed: false };
}

/** A date wait's end in `year`: the date's month and day (or the month's last), moved by `offsetDays`, at local `time`. */
function dateWaitEndIn(
  wait: AttributeDateWait,
  date: { month: number; day: number },
  zone: string,
  year: number,
  { hour, minute }: { hour: number; minute: number },
): DateTime {
  const month = DateTime.fromObject({ year, month: date.month }, { zone });
  const day = Math.min(date.day, month.daysInMonth ?? date.day);
  return DateTime.fromObject({ year, month: date.month, day, hour, minute }, { zone }).plus({ days: wait.offsetDays ?? 0 });
}

function localDate(value: unknown, zone: string): { year: number; month: number; day: number } | undefined {
  if (typeof value !== 'string') return undefined;
  const parsed = /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? DateTime.fromISO(value, { zone })
    : DateTime.fromISO(value, { setZone: true }).setZone(zone);
  return parsed.isValid ? { year: parsed.year, month: parsed.month, day: parsed.day } : undefined;
}

/** The end of a wait that depends on the customer's data. */
export function computedWaitEnd(wait: ComputedWait, snapshot: CustomerSnapshot, now: Date): Date {
  return wait.kind === 'localTime' ? localTimeWaitEnd(wait, snapshot.profile.timezone, now) : attributeDateWaitEnd(wait, snapshot, now);
}


/**
 * Whether a wait ending at `until` outlasts an execution started at `startedAt`: Step Functions
 * would time the execution out before the wait ends, silently.
 */
export function waitOutlastsExecution(until: Date, startedAt: string): boolean {
  return until.getTime() > Date.parse(startedAt) + EXECUTION_WAIT_LIMIT_DAYS * DAY_SECONDS * 1000;
}

/**
 * An instant as Step Functions' `TimestampPath` wants it: RFC 3339 in UTC, whole seconds,
 * rounded up so a wait never ends before the instant it was computed for.
 */
export function toWaitTimestamp(date: Date): string {
  return new Date(Math.ceil(date.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** What a journey records when a customer leaves it, or a step fails for good. */
export interface JourneyOutcome {
  readonly kind: 'goal' | 'exit' | 'sendFailed';
  readonly customerId: string;
  readonly journey: string;
  readonly step: string;
  readonly execution: string;
  readonly at: string;
  /** The goal event (`goal`). */
  readonly event?: string;
  /** The exit reason (`exit`). */
  readonly reason?: string;
  /** The Step Functions error name (`sendFailed`), never its cause (it may quote data). */
  readonly error?: string;
}

/** A lifecycle stage change made by a journey step. */
export interface StageChange {
  readonly customerId: string;
  readonly stage: LifecycleStage;
  readonly journey: string;
  readonly step: string;
  readonly execution: string;
  readonly at: string;
}

/** Where the journeyEffects logic reads and writes; each runtime supplies its own. */
export interface JourneyEffectsPorts {
  /** The customer's records, read consistently; undefined when the customer does not exist. */
  loadCustomer(customerId: string): Promise<CustomerSnapshot | undefined>;
  /** Sets the lifecycle stage; idempotent by (`execution`, `step`). */
  setStage(change: StageChange): Promise<void>;
  /** Records a goal, an exit or a failed send; idempotent by (`execution`, `step`). */
  recordOutcome(outcome: JourneyOutcome): Promise<void>;
  /** The current instant (the virtual clock in simulations). */
  now(): Date;
}

/**
 * Raised when a step needs a customer's data and the customer does not exist (e.g. erased). Its
 * name is the one the compiled Task catches to end the journey (see `effects-contract.ts`).
 */
export class CustomerNotFoundError extends Error {
  constructor(
    public readonly customerId: string,
    options?: ErrorOptions,
  ) {
    super(`customer ${customerId} not found`, options);
    this.name = CUSTOMER_NOT_FOUND_ERROR;
  }
}

/** Performs one journeyEffects action and returns its answer (see `effects-contract.ts`). */
export async function performJourneyEffect(input: JourneyEffectsInput, ports: JourneyEffectsPorts): Promise<JourneyEffectsOutput> {
  const now = ports.now();
  const at = now.toISOString();
  const ids = { customerId: input.customerId, journey: input.journey, step: input.step, execution: input.execution };
  const customer = async (): Promise<CustomerSnapshot> => {
    const snapshot = await ports.loadCustomer(input.customerId);
    if (!snapshot) throw new CustomerNotFoundError(input.customerId);
    return snapshot;
  };
  switch (input.action) {
    case 'bucket':
      return { bucket: bucketOf(input.customerId, input.journey, input.step) };
    case 'branch': {
      const snapshot = await customer();
      // At the entry's instant when the producer's clock ran ahead, as ingest tests the entry's own conditions.
      const enteredAt = input.entry?.enteredAt;
      return { match: firstMatchingRule(input.rules, snapshot, conditionInstant(now, enteredAt), enteredAt), goalReached: isGoalReachedAtStep(snapshot, input) };
    }
    case 'waitUntil': {
      const snapshot = await customer();
      // A date wait reads its attribute once for both its end and whether its day has passed.
      const wait = input.wait.kind === 'attributeDate'
        ? attributeDateWait(input.wait, snapshot, now)
        : { end: localTimeWaitEnd(input.wait, snapshot.profile.timezone, now), passed: false };
      const end = wait.end;
      // Only when passed: the answers for dates ahead stay as they were.
      const passed = wait.passed ? { datePassed: true } : {};
      // Without the execution's start (definitions compiled before it), the answer as it was.
      if (input.startedAt === undefined) return { until: toWaitTimestamp(end), ...passed };
      return { until: toWaitTimestamp(end), beyondExecution: waitOutlastsExecution(end, input.startedAt), ...passed };
    }
    case 'setStage':
      await ports.setStage({ ...ids, stage: input.stage, at });
      return {};
    case 'goal':
      // The stage as of the goal event, not of the moment it was noticed (see goalEventInstant).
      if (input.stage) await ports.setStage({ ...ids, stage: input.stage, at: goalEventInstant(await customer(), input.event, now) ?? at });
      await ports.recordOutcome({ ...ids, kind: 'goal', event: input.event, at });
      return {};
    case 'exit':
      await ports.recordOutcome({ ...ids, kind: 'exit', reason: input.reason, at });
      return {};
    case 'sendFailed':
      await ports.recordOutcome({ ...ids, kind: 'sendFailed', error: input.error, at });
      return {};
  }
}
