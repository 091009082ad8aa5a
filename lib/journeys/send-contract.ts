/**
 * What a journey's send step hands the send function, and what it expects back. The state
 * machine builds the payload from ids and the step's own settings only, so no personal data
 * enters execution input, state or history; the send function reads the customer itself.
 */
import * as z from '../schema/zod-mini';
import { ChannelSchema, CustomerIdSchema, InstantSchema, TopicSchema } from '../customer/model';
import { DEFER_REASONS } from '../permission/reasons';
import { ExecutionEntrySchema } from './execution-input';
import { EventNameSchema, JourneyIdSchema, NodeIdSchema, TemplateIdSchema } from './identifiers';

/** A Step Functions execution name: at most 80 characters. */
export const ExecutionNameSchema = z.string().check(z.minLength(1), z.maxLength(80));

/**
 * The send function's input (the `Payload` of the Task's `lambda:invoke`).
 *
 * - `step` is the send node's id; (`execution`, `step`) is the idempotency key of the message.
 * - `goal`, `enteredAt` and `entry` are present when the journey has a goal: `enteredAt` is
 *   when the execution started, `entry` the execution input, whose `enteredAt` is the entry's own
 *   instant (absent in executions started without it). If the customer's `goal` event happened
 *   after both (see `isGoalReached`), the function sends nothing and answers `skipped` with
 *   reason {@link GOAL_REACHED}, and the journey ends as converted.
 * - `deferral` is present when the step decides again after waiting for a deferral of its own
 *   (see {@link SendDeferralSchema}).
 * - `followUpOf` is present on a follow-up step: it sends only when one of those steps of the
 *   same execution sent (lib/journeys/follow-ups.ts), and answers `skipped` with reason
 *   `nothing_to_follow_up` otherwise (DELIVERY_SKIP_REASONS, lib/delivery/deliver-message.ts).
 */
/**
 * The `reason` of a `deferred` answer given not by the permission gate but by the send path: the
 * channel's provider rate has no free slot sooner (lib/store/send-slots.ts).
 */
export const RATE_LIMITED = 'rate_limited';

/**
 * The deferral a step waited for, handed back to the send function when it decides again (the
 * `.resend` state after the Wait): the previous answer, as {@link SendStepResultSchema} gave it.
 * A `rate_limited` deferral holds the send slot of its `channel` at `until`, so the run that
 * waited for it sends without claiming another (lib/delivery/deliver-message.ts).
 */
export const SendDeferralSchema = z.object({
  outcome: z.literal('deferred'),
  channel: ChannelSchema,
  until: InstantSchema,
  reason: z.enum([...DEFER_REASONS, RATE_LIMITED]),
});
export type SendDeferral = z.infer<typeof SendDeferralSchema>;
/** Why a send step waits: the gate's reasons, or {@link RATE_LIMITED}. */
export type SendDeferReason = SendDeferral['reason'];

export const SendStepPayloadSchema = z.object({
  customerId: CustomerIdSchema,
  journey: JourneyIdSchema,
  step: NodeIdSchema,
  execution: ExecutionNameSchema,
  templateId: TemplateIdSchema,
  topic: TopicSchema,
  channels: z.array(ChannelSchema).check(z.minLength(1)),
  goal: z.optional(EventNameSchema),
  enteredAt: z.optional(InstantSchema),
  entry: z.optional(ExecutionEntrySchema),
  deferral: z.optional(SendDeferralSchema),
  followUpOf: z.optional(z.array(NodeIdSchema).check(z.minLength(1))),
});
export type SendStepPayload = z.infer<typeof SendStepPayloadSchema>;

/** `unknown`: the provider call failed ambiguously and is never resent; `failed`: the provider refused the message. */
export const SEND_OUTCOMES = ['sent', 'deferred', 'skipped', 'unknown', 'failed'] as const;

/** The `reason` of a `skipped` answer that ends the journey at its goal. */
export const GOAL_REACHED = 'goal_reached';

/**
 * The send function's answer. `deferred` carries `until` (the state machine waits until then
 * and asks again); `sent` carries the `channel` used; `skipped` carries a `reason` (the
 * permission gate's skip reasons, or {@link GOAL_REACHED}). Ids and codes only.
 */
export const SendStepResultSchema = z
  .object({
    outcome: z.enum(SEND_OUTCOMES),
    channel: z.optional(ChannelSchema),
    until: z.optional(InstantSchema),
    reason: z.optional(z.string().check(z.regex(/^[a-z][a-z0-9_]{0,63}$/))),
  })
  .check(
    z.refine((result) => result.outcome !== 'deferred' || result.until !== undefined, {
      message: 'a deferred answer needs until',
      path: ['until'],
    }),
  );
export type SendStepResult = z.infer<typeof SendStepResultSchema>;
