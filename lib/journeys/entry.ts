/**
 * How a journey is entered: its trigger and its re-entry rule. Apart from the rest of the journey
 * format because the functions that start executions (ingest, launcher, inactivity scan) read
 * them from their routes at every cold start and need nothing else of the format.
 */
import * as z from 'zod';
import { TimeZoneSchema } from '../customer/model';
import { EventNameSchema } from './identifiers';

/** How a journey is started. */
export const TriggerSchema = z.discriminatedUnion('kind', [
  /** One of these customer events arrives on the bus (the ingest function starts the execution). */
  z.object({
    kind: z.literal('event'),
    events: z
      .array(EventNameSchema)
      .min(1)
      .refine((list) => new Set(list).size === list.length, 'must not repeat an event'),
  }).strict(),
  /** A marketer launches it for an audience file (the launcher's Distributed Map). */
  z.object({ kind: z.literal('audience') }).strict(),
  /** EventBridge Scheduler launches it for its audience on a `cron(…)` or `rate(…)` expression. */
  z.object({
    kind: z.literal('schedule'),
    expression: z.string().regex(/^(cron|rate)\(.+\)$/, 'must be an EventBridge Scheduler cron(…) or rate(…) expression'),
    timezone: z.optional(TimeZoneSchema),
  }).strict(),
  /** The daily inactivity scan starts it for customers whose last `event` is `days` or more ago. */
  z.object({ kind: z.literal('inactivity'), event: EventNameSchema, days: z.number().int().min(1).max(3650) }).strict(),
]);
export type Trigger = z.infer<typeof TriggerSchema>;

/**
 * Whether a customer may enter again: `never`, `afterDays` (N days after the previous entry) or
 * `always`. Enforced where executions start (ingest, launcher), which keep an entry record per
 * customer and journey: execution names alone stay unique for only 90 days.
 */
export const ReEntrySchema = z.discriminatedUnion('rule', [
  z.object({ rule: z.literal('never') }).strict(),
  z.object({ rule: z.literal('afterDays'), days: z.number().int().min(1).max(3650) }).strict(),
  z.object({ rule: z.literal('always') }).strict(),
]);
export type ReEntry = z.infer<typeof ReEntrySchema>;
