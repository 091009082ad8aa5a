/**
 * Whether a double opt-in confirmation may go out on a channel at all. A confirmation is a
 * transactional message like any other: a hard bounce, a complaint or an undeliverable number
 * (a suppression, written by the feedback functions) stops it as it stops every message on that
 * channel. Confirmations are sent by the consent API directly, not through a journey's Send step,
 * so the question is put in the permission gate's own terms here.
 */
import type { Channel, CustomerSnapshot } from '../customer/model';
import { suppressedFromMs } from '../permission';

/**
 * Whether `channel` is suppressed for the customer at `now`, as the permission gate judges it (a
 * transactional message on that channel alone would be `blocked` as `suppressed`). Read through
 * the gate's own `suppressedFromMs` rather than from `snapshot.suppressions` directly, so that what
 * counts as suppressed (the channel, for every address and topic, from the suppression's instant
 * on) has one definition.
 */
export function isChannelSuppressed(snapshot: CustomerSnapshot, channel: Channel, now: Date): boolean {
  return suppressedFromMs(snapshot, channel) <= now.getTime();
}

/**
 * Sends a confirmation on `channel` unless the channel is suppressed at `now`, in which case
 * nothing goes out and the outcome is `'sent'` all the same: the caller's answer must not tell
 * anyone that an address bounced or complained.
 */
export async function confirmUnlessSuppressed<Outcome>(
  snapshot: CustomerSnapshot,
  channel: Channel,
  now: Date,
  send: () => Promise<Outcome>,
): Promise<Outcome | 'sent'> {
  return isChannelSuppressed(snapshot, channel, now) ? 'sent' : await send();
}
