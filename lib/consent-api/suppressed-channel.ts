/**
 * Whether a double opt-in confirmation may go out on a channel at all. A confirmation is a
 * transactional message like any other: a hard bounce, a complaint or an undeliverable number
 * (a suppression, written by the feedback functions) stops it as it stops every message on that
 * channel. Confirmations are sent by the consent API directly, not through a journey's Send step,
 * so the question is put to the permission gate here, in the gate's own terms.
 */
import { TRANSACTIONAL, type Channel, type CustomerSnapshot } from '../customer/model';
import { decideDelivery } from '../permission';

/**
 * Whether `channel` is suppressed for the customer at `now`, as the permission gate judges it: a
 * transactional message on that channel alone is `blocked` as `suppressed`. Asked of the gate
 * rather than read from `snapshot.suppressions`, so that what counts as suppressed (the channel,
 * for every address and topic, from the suppression's instant on) has one definition.
 */
export function isChannelSuppressed(snapshot: CustomerSnapshot, channel: Channel, now: Date): boolean {
  const decision = decideDelivery(snapshot, { topic: TRANSACTIONAL, channels: [channel] }, now);
  return decision.evaluations.some((evaluation) => evaluation.channel === channel && evaluation.verdict === 'blocked' && evaluation.reason === 'suppressed');
}
