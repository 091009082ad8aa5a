/**
 * How a journey is entered: its trigger and its re-entry rule. Apart from the rest of the journey
 * format because the functions that start executions (ingest, launcher, inactivity scan) read
 * them from their routes at every cold start and need nothing else of the format; an event
 * entry's conditions come from `conditions.ts`, as small.
 */
import * as z from '../schema/zod-mini';
import { TimeZoneSchema, type CustomerSnapshot } from '../customer/model';
import { allConditionsHold, ConditionSchema, type Condition } from './conditions';
import { EventNameSchema } from './identifiers';
import { scheduleExpressionProblem } from './schedule-expression';

/** How a journey is started. */
export const TriggerSchema = z.discriminatedUnion('kind', [
  /**
   * One of these customer events arrives on the bus (the ingest function starts the execution),
   * for a customer for whom every condition of `when` holds once the event's own changes are
   * written. The conditions are tested before the entry is claimed, so an event that does not
   * qualify uses up no re-entry: a silver tier does not keep the gold one out of loyalty for a year.
   */
  z.strictObject({
    kind: z.literal('event'),
    events: z
      .array(EventNameSchema)
      .check(z.minLength(1), z.refine((list) => new Set(list).size === list.length, 'must not repeat an event')),
    when: z.optional(z.array(ConditionSchema).check(z.minLength(1))),
  }),
  // The other triggers take no `when` (strict objects refuse it): their audience is chosen by the
  // marketer (the file, the schedule's audience) or by the trigger itself (inactivity), and a
  // condition on it belongs in the audience or in a branch at the journey's first step.
  /** A marketer launches it for an audience file (the launcher's Distributed Map). */
  z.strictObject({ kind: z.literal('audience') }),
  /**
   * EventBridge Scheduler launches it for its audience on a `cron(…)` or `rate(…)` expression,
   * checked as Scheduler checks it (schedule-expression.ts).
   */
  z.strictObject({
    kind: z.literal('schedule'),
    expression: z.string().check(
      z.superRefine((expression, ctx) => {
        const problem = scheduleExpressionProblem(expression);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: expression });
      }),
    ),
    timezone: z.optional(TimeZoneSchema),
  }),
  /** The daily inactivity scan starts it for customers whose last `event` is `days` or more ago. */
  z.strictObject({ kind: z.literal('inactivity'), event: EventNameSchema, days: z.int().check(z.gte(1), z.lte(3650)) }),
]);
export type Trigger = z.infer<typeof TriggerSchema>;

/**
 * Whether a customer may enter again: `never`, `afterDays` (N days after the previous entry) or
 * `always`. Enforced where executions start (ingest, launcher), which keep an entry record per
 * customer and journey: execution names alone stay unique for only 90 days.
 */
export const ReEntrySchema = z.discriminatedUnion('rule', [
  z.strictObject({ rule: z.literal('never') }),
  z.strictObject({ rule: z.literal('afterDays'), days: z.int().check(z.gte(1), z.lte(3650)) }),
  z.strictObject({ rule: z.literal('always') }),
]);
export type ReEntry = z.infer<typeof ReEntrySchema>;

/** The conditions an entry's customer must meet when it starts: an event trigger's `when`, none for the others. */
export function entryConditionsOf(trigger: Trigger): readonly Condition[] {
  return trigger.kind === 'event' ? (trigger.when ?? []) : [];
}

/** Whether the customer, as `snapshot` shows them at `now`, meets every entry condition of `trigger`. */
export function meetsEntryConditions(trigger: Trigger, snapshot: CustomerSnapshot, now: Date): boolean {
  return allConditionsHold(entryConditionsOf(trigger), snapshot, now);
}
