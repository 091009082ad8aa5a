/**
 * Whether a double opt-in confirmation may go out on a channel at all. A confirmation is a
 * transactional message like any other: a hard bounce, a complaint or an undeliverable number
 * (a suppression, written by the feedback functions) stops it as it stops every message on that
 * channel. Confirmations are sent by the consent API directly, not through a journey's Send step,
 * so the question is put in the permission gate's own terms here.
 */
import type { Channel, CustomerSnapshot } from '../customer/model';
import { suppressedFromMs } from '../permission';
import type { CustomerStore } from '../store/customer-store';

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

/** Where a confirmation was decided to go: the channel and the address or number on the profile then. */
export interface DecidedConfirmation {
  readonly channel: 'email' | 'sms';
  readonly to: string;
}

/**
 * Whether the customer can still be sent the confirmation decided on an earlier read: read again
 * (one strongly consistent Query) just before the provider is called, the profile still holds
 * `decided.to` and the channel is not suppressed at `now`.
 *
 * A request reads the customer once, at its start, and records what it asks before the
 * confirmation goes out. An ingested event may change the address or number meanwhile, and a
 * hard bounce or complaint may suppress it: the confirmation would then go to an address the
 * customer left, or add to the bounce rate SES judges the account on. The journey send path
 * closes the same gap by conditioning its reservation on the frequency item's version; a
 * confirmation takes no reservation, and its budget slot belongs to the destination, not the
 * customer, so the decision's two inputs are read again instead. A change recorded after this
 * read is too late for this confirmation, as one after the reservation is for a journey's message.
 */
export async function stillReachableAsDecided(
  store: Pick<CustomerStore, 'getSnapshot'>,
  customerId: string,
  decided: DecidedConfirmation,
  now: Date,
): Promise<boolean> {
  const current = await store.getSnapshot(customerId);
  if (current === undefined) return false;
  const onFile = decided.channel === 'email' ? current.profile.email : current.profile.phone;
  return onFile === decided.to && !isChannelSuppressed(current, decided.channel, now);
}

/**
 * Sends a confirmation to `decided.to` unless the channel is suppressed at `now` in `snapshot`
 * (the read the request decided on), or, read again just before the send, the profile no longer
 * holds that address or number or the channel has been suppressed since (stillReachableAsDecided).
 * Then nothing goes out and the outcome is `'sent'` all the same: the caller's answer must not
 * tell anyone that an address bounced or complained, and the request recorded for the old address
 * no longer counts as asked (isOpenEmailRequest, isOpenSmsRequest), so the next tick asks the new one.
 */
export async function confirmUnlessSuppressed<Outcome>(
  store: Pick<CustomerStore, 'getSnapshot'>,
  snapshot: CustomerSnapshot,
  decided: DecidedConfirmation,
  now: Date,
  send: () => Promise<Outcome>,
): Promise<Outcome | 'sent'> {
  if (isChannelSuppressed(snapshot, decided.channel, now)) return 'sent';
  if (!(await stillReachableAsDecided(store, snapshot.profile.customerId, decided, now))) return 'sent';
  return await send();
}
