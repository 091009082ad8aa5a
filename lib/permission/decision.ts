/**
 * What the permission gate answers, including the per-channel reasoning operators read when they
 * ask why a message went out (or did not) on a given channel.
 */
import * as z from '../schema/zod-mini';
import { ChannelSchema } from '../customer/model';
import { ChannelBlockReasonSchema, DeferReasonSchema, SkipReasonSchema } from './reasons';

/**
 * How the gate judged one channel the step allows, at the decision's `now`:
 *
 * - `chosen`: the first channel of the ladder that passes consent, suppression, reachability and
 *   has allowed hours; the decision is about this channel.
 * - `available`: it passes too, but a channel earlier in the ladder was chosen.
 * - `blocked`: it fails; `reason` says why.
 * - `excluded`: marketing, and the customer's `preferences.channels` leaves it out (`not_preferred`).
 */
export const CHANNEL_VERDICTS = ['chosen', 'available', 'blocked', 'excluded'] as const;
export const ChannelVerdictSchema = z.enum(CHANNEL_VERDICTS);
export type ChannelVerdict = z.infer<typeof ChannelVerdictSchema>;

export const ChannelEvaluationSchema = z.discriminatedUnion('verdict', [
  z.object({ channel: ChannelSchema, verdict: z.literal('chosen') }),
  z.object({ channel: ChannelSchema, verdict: z.literal('available') }),
  z.object({ channel: ChannelSchema, verdict: z.literal('blocked'), reason: ChannelBlockReasonSchema }),
  z.object({ channel: ChannelSchema, verdict: z.literal('excluded'), reason: z.literal('not_preferred') }),
]);
/** One channel's verdict; evaluations are listed in ladder order, excluded channels last. */
export type ChannelEvaluation = z.infer<typeof ChannelEvaluationSchema>;

const evaluations = z.array(ChannelEvaluationSchema);

/**
 * The gate's answer.
 *
 * - `send`: hand the message to `channel` now. `openUntil`, for a channel with allowed hours, is
 *   when they close today: a text still on its way to the carrier then must not arrive after it.
 * - `defer`: the earliest instant at which the gate, given the same customer records, answers
 *   `send` is `until` (strictly after `now`); the message then goes out on `channel`. `reason` says
 *   why the channel chosen at `now` could not be used at `now`.
 * - `skip`: the message is not sent; `reason` is from {@link SKIP_REASONS}.
 *
 * `until` is a `Date` here; where a decision is serialised (logs, Step Functions), use
 * `until.toISOString()`.
 */
export const DeliveryDecisionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('send'), channel: ChannelSchema, openUntil: z.optional(z.date()), evaluations }),
  z.object({ kind: z.literal('defer'), channel: ChannelSchema, until: z.date(), reason: DeferReasonSchema, evaluations }),
  z.object({ kind: z.literal('skip'), reason: SkipReasonSchema, evaluations }),
]);
export type DeliveryDecision = z.infer<typeof DeliveryDecisionSchema>;
export type SendDecision = Extract<DeliveryDecision, { kind: 'send' }>;
export type DeferDecision = Extract<DeliveryDecision, { kind: 'defer' }>;
export type SkipDecision = Extract<DeliveryDecision, { kind: 'skip' }>;
