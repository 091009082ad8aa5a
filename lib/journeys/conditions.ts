/**
 * Conditions on a customer's state, as branches and event entries test them: the schemas and
 * their pure evaluation over a customer snapshot. Apart from the rest of the journey format
 * because the ingest function evaluates an event entry's conditions (`entry.ts`) at every event
 * and bundles neither the format's other schemas nor the date library the waits need.
 */
import * as z from '../schema/zod-mini';
import { LifecycleStageSchema, TouchpointSchema, type CustomerSnapshot } from '../customer/model';
import { lastEventAttribute } from './event-history';
import { AttributeNameSchema, EventNameSchema } from './identifiers';

const DAY_MS = 24 * 60 * 60 * 1000;

const ScalarSchema = z.union([z.string(), z.number(), z.boolean()]);

const ATTRIBUTE_OPS = ['exists', 'notExists', 'equals', 'notEquals', 'in', 'notIn', 'contains', 'gt', 'gte', 'lt', 'lte'] as const;
export type AttributeOp = (typeof ATTRIBUTE_OPS)[number];

/**
 * A test on the current value of an attribute:
 * `exists`/`notExists` take no value; `equals`/`notEquals` a scalar; `in`/`notIn` a list of
 * scalars; `contains` a string (the attribute is a list, e.g. `interests`); `gt`…`lte` a number.
 *
 * A missing attribute (or a null one) equals nothing, so the negative tests hold for it:
 * `notEquals` and `notIn` are true for a customer who has no such attribute, as `notExists` is,
 * while `equals`, `in`, `contains` and `gt`…`lte` are false. "tier notEquals gold" therefore
 * takes customers with no tier at all; add `exists` to the rule to leave them out.
 */
export const AttributeConditionSchema = z
  .strictObject({
    kind: z.literal('attribute'),
    attribute: AttributeNameSchema,
    op: z.enum(ATTRIBUTE_OPS),
    value: z.optional(z.union([ScalarSchema, z.array(ScalarSchema).check(z.minLength(1))])),
  })
  .check(
    z.superRefine((condition, ctx) => {
      const problem = attributeValueProblem(condition.op, condition.value);
      if (problem) ctx.addIssue({ code: 'custom', path: ['value'], message: problem });
    }),
  );

function attributeValueProblem(op: AttributeOp, value: unknown): string | undefined {
  switch (op) {
    case 'exists':
    case 'notExists':
      return value === undefined ? undefined : `"${op}" takes no value; remove value`;
    case 'equals':
    case 'notEquals':
      return ['string', 'number', 'boolean'].includes(typeof value) ? undefined : `"${op}" needs a string, number or boolean value`;
    case 'in':
    case 'notIn':
      return Array.isArray(value) ? undefined : `"${op}" needs a list of values`;
    case 'contains':
      return typeof value === 'string' ? undefined : '"contains" needs a string value';
    default:
      return typeof value === 'number' ? undefined : `"${op}" needs a number value`;
  }
}

/** The customer is in one of these lifecycle stages. */
export const StageConditionSchema = z.strictObject({
  kind: z.literal('stage'),
  in: z.array(LifecycleStageSchema).check(z.minLength(1)),
});

/**
 * Attribute history: the attribute changed in the last `days` days (optionally only when the
 * change was learnt through one of `touchpoints`), e.g. "interests changed in the last 30 days".
 */
export const ChangedWithinConditionSchema = z.strictObject({
  kind: z.literal('changedWithin'),
  attribute: AttributeNameSchema,
  days: z.number().check(z.int(), z.gte(1), z.lte(3650)),
  touchpoints: z.optional(z.array(TouchpointSchema).check(z.minLength(1))),
});

/**
 * Behaviour on a channel: any attribute was learnt through one of `touchpoints` in the last
 * `days` days, e.g. "visited the store this month" is `{ touchpoints: ['store'], days: 30 }`.
 */
export const TouchpointWithinConditionSchema = z.strictObject({
  kind: z.literal('touchpointWithin'),
  touchpoints: z.array(TouchpointSchema).check(z.minLength(1)),
  days: z.number().check(z.int(), z.gte(1), z.lte(3650)),
});

/** The customer event `event` happened in the last `days` days (see `lastEventAttribute`). */
export const EventWithinConditionSchema = z.strictObject({
  kind: z.literal('eventWithin'),
  event: EventNameSchema,
  days: z.number().check(z.int(), z.gte(1), z.lte(3650)),
});

/**
 * Through which touchpoint the customer's last `event` came: one of `touchpoints` (`in`), or none
 * of them (`notIn`). An event that named no touchpoint, or one that never happened, came through
 * none, as a missing attribute equals nothing. "The lead is not our own bulk load" is
 * `{ event: 'lead_captured', op: 'notIn', touchpoints: ['import'] }`: in an entry's `when`, the
 * last such event is the one entering.
 */
export const EventThroughConditionSchema = z.strictObject({
  kind: z.literal('eventThrough'),
  event: EventNameSchema,
  op: z.enum(['in', 'notIn']),
  touchpoints: z.array(TouchpointSchema).check(z.minLength(1)),
});

export const ConditionSchema = z.discriminatedUnion('kind', [
  AttributeConditionSchema,
  StageConditionSchema,
  ChangedWithinConditionSchema,
  TouchpointWithinConditionSchema,
  EventWithinConditionSchema,
  EventThroughConditionSchema,
]);
export type Condition = z.infer<typeof ConditionSchema>;

/**
 * The instant conditions are tested at: the clock's `now`, or the entry's own instant when that is
 * later. Ingest takes events stamped up to five minutes ahead (a producer's clock running fast),
 * and an event's writes are dated at its instant: tested at the clock, they would lie in the
 * future, and a condition on what the event just wrote (`eventWithin`, `changedWithin`) would fail.
 * Ingest tests an event entry's `when` at this instant, and a journey's branches at the same.
 */
export function conditionInstant(now: Date, enteredAt?: string): Date {
  const entered = enteredAt === undefined ? Number.NaN : Date.parse(enteredAt);
  return Number.isNaN(entered) || entered <= now.getTime() ? now : new Date(entered);
}

/** Whether one condition holds for the customer at `now`. */
export function conditionHolds(condition: Condition, snapshot: CustomerSnapshot, now: Date, entryAt?: string): boolean {
  switch (condition.kind) {
    case 'stage':
      return condition.in.includes(snapshot.profile.stage);
    case 'attribute':
      return attributeTestHolds(condition, snapshot.attributes[condition.attribute]?.value);
    case 'changedWithin': {
      const state = snapshot.attributes[condition.attribute];
      if (!state || !isWithinDays(state.changedAt, condition.days, now)) return false;
      return !condition.touchpoints || (state.touchpoint !== undefined && condition.touchpoints.includes(state.touchpoint));
    }
    case 'touchpointWithin': {
      // What the entry event itself taught (all stated at its instant) is not behaviour since: a
      // web order that starts a cross-sell is not "recent behaviour on the web", nor is the form
      // that captured a lead a sign that the lead is still engaged.
      const entered = entryAt === undefined ? undefined : Date.parse(entryAt);
      return Object.values(snapshot.attributes).some(
        (state) =>
          state.touchpoint !== undefined &&
          condition.touchpoints.includes(state.touchpoint) &&
          isWithinDays(state.changedAt, condition.days, now) &&
          Date.parse(state.changedAt) !== entered,
      );
    }
    case 'eventWithin': {
      const state = snapshot.attributes[lastEventAttribute(condition.event)];
      return state !== undefined && isWithinDays(state.changedAt, condition.days, now);
    }
    case 'eventThrough': {
      const touchpoint = snapshot.attributes[lastEventAttribute(condition.event)]?.touchpoint;
      const through = touchpoint !== undefined && condition.touchpoints.includes(touchpoint);
      return condition.op === 'in' ? through : !through;
    }
  }
}

/**
 * Whether every one of `conditions` holds (a branch rule, an event entry's `when`). `entryAt`, in
 * a journey's branches, is the instant its execution was entered at (the entry event's time, or
 * the launch's), whose own records `touchpointWithin` leaves out.
 */
export function allConditionsHold(conditions: readonly Condition[], snapshot: CustomerSnapshot, now: Date, entryAt?: string): boolean {
  return conditions.every((condition) => conditionHolds(condition, snapshot, now, entryAt));
}

type AttributeCondition = Extract<Condition, { kind: 'attribute' }>;

function attributeTestHolds(condition: AttributeCondition, value: unknown): boolean {
  const expected = condition.value;
  switch (condition.op) {
    case 'exists':
      return value !== undefined && value !== null;
    case 'notExists':
      return value === undefined || value === null;
    case 'equals':
      return value === expected;
    case 'notEquals':
      return value !== expected;
    case 'in':
      return Array.isArray(expected) && expected.some((candidate) => candidate === value);
    case 'notIn':
      return !(Array.isArray(expected) && expected.some((candidate) => candidate === value));
    case 'contains':
      return Array.isArray(value) && typeof expected === 'string' && value.includes(expected);
    case 'gt':
      return typeof value === 'number' && typeof expected === 'number' && value > expected;
    case 'gte':
      return typeof value === 'number' && typeof expected === 'number' && value >= expected;
    case 'lt':
      return typeof value === 'number' && typeof expected === 'number' && value < expected;
    case 'lte':
      return typeof value === 'number' && typeof expected === 'number' && value <= expected;
  }
}

function isWithinDays(instant: string, days: number, now: Date): boolean {
  const at = Date.parse(instant);
  return at <= now.getTime() && at >= now.getTime() - days * DAY_MS;
}
