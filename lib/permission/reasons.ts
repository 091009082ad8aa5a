/**
 * The closed sets of reasons the permission gate gives. They travel into simulation reports,
 * send-ledger entries and operators' logs, so they are stable identifiers, never free text.
 */
import * as z from '../schema/zod-mini';

/**
 * Why a message is not sent at all.
 *
 * - `no_consent`: marketing, and the latest consent for (channel, topic) at or before the instant
 *   is not `granted` (`pending`, `revoked`, missing, or only dated after the instant), or, for
 *   SMS, was granted for a number other than the one on the profile.
 * - `suppressed`: a suppression for the channel took effect at or before the instant (hard bounce,
 *   complaint, carrier block…); it blocks every topic, transactional too.
 * - `unreachable`: the customer has no contact point for the channel (email address, phone number,
 *   postal address).
 * - `frequency_capped`: marketing, and sending at the instant it would go out would exceed
 *   `preferences.maxPerWeek` (see {@link FREQUENCY_WINDOW_MS}); `maxPerWeek: 0` caps every
 *   marketing message.
 * - `not_preferred`: marketing, and every channel the step allows is left out of the customer's
 *   `preferences.channels`.
 * - `no_allowed_hours`: marketing, and the channel's allowed hours never open (for example quiet
 *   hours covering all of the SMS legal hours, or a preferred window inside the quiet hours).
 * - `no_channel`: the step allows no channel at all.
 */
export const SKIP_REASONS = [
  'no_consent',
  'suppressed',
  'unreachable',
  'frequency_capped',
  'not_preferred',
  'no_allowed_hours',
  'no_channel',
] as const;
export const SkipReasonSchema = z.enum(SKIP_REASONS);
export type SkipReason = z.infer<typeof SkipReasonSchema>;

/**
 * Why a message waits. When several hold at once the first in this order is given:
 *
 * - `sms_legal_hours`: marketing SMS outside 08:00–21:00 local time (TCPA), whatever the preferences.
 * - `quiet_hours`: marketing email or SMS inside the customer's quiet hours.
 * - `preferred_window`: marketing email or SMS outside the customer's preferred time-of-day window.
 */
export const DEFER_REASONS = ['sms_legal_hours', 'quiet_hours', 'preferred_window'] as const;
export const DeferReasonSchema = z.enum(DEFER_REASONS);
export type DeferReason = z.infer<typeof DeferReasonSchema>;

/** Why one channel cannot carry the message, whatever the time of day. */
export const CHANNEL_BLOCK_REASONS = ['suppressed', 'unreachable', 'no_consent', 'no_allowed_hours'] as const;
export const ChannelBlockReasonSchema = z.enum(CHANNEL_BLOCK_REASONS);
export type ChannelBlockReason = z.infer<typeof ChannelBlockReasonSchema>;
