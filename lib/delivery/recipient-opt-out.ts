/**
 * What a provider's "the recipient opted out" refusal means for the consent ledger.
 *
 * End User Messaging SMS keeps its own opt-out list (numbers that replied STOP, or were added to
 * it) and refuses `SendTextMessage` to them synchronously. Such a refusal is the recipient's
 * withdrawal of consent reaching us by another road than the inbound-SMS keywords, so the ledger
 * records what a STOP records: a revocation of the channel for the message's topic and for every
 * other topic the customer had granted on it (the provider's list is per number, not per topic),
 * with the refusal as proof: the source names the provider and the reason, `at` is when the
 * refusal came back. No phone number and no provider request id are kept: the customer id and the
 * instant identify the event.
 *
 * The refusal speaks for the number it came back for, and consent to texts belongs to one number
 * (lib/customer/consent-number.ts): a consent given for another number (the customer's earlier
 * one) is that number's, and stays as it is.
 *
 * A transactional text is refused the same way, and the refusal means the same: the number is on
 * the list, so the marketing topics granted for it are revoked. The transactional topic itself
 * needs no consent, so nothing is written for it, and the send path leaves the channel out for
 * the rest of the step.
 */
import { consentSpeaksForNumber } from '../customer/consent-number';
import { isMarketing, type Channel, type ConsentState, type Topic } from '../customer/model';
import type { ConsentEvent } from '../store/records';

/** The consent-ledger source of a revocation proven by a provider refusal: `sms-provider:opted-out`. */
export function providerOptOutSource(channel: Channel): string {
  return `${channel}-provider:opted-out`;
}

/**
 * The revocations a refusal at `at` proves for a message on `channel` about `topic`, sent to
 * `phone` (for SMS; the profile's number): that topic and every topic granted on the channel in
 * `consents`, marketing ones only (transactional messages need no consent, so there is none to
 * withdraw), and none whose consent speaks for a number other than `phone`.
 */
export function providerOptOutRevocations(
  channel: Channel,
  topic: Topic,
  consents: readonly ConsentState[],
  phone: string | undefined,
  at: string,
): ConsentEvent[] {
  const onChannel = consents.filter((consent) => consent.channel === channel);
  const granted = onChannel.filter((consent) => consent.status === 'granted').map((consent) => consent.topic);
  const otherNumbers = new Set(onChannel.filter((consent) => !consentSpeaksForNumber(consent, phone)).map((consent) => consent.topic));
  return [...new Set([topic, ...granted])]
    .filter((revoked) => isMarketing(revoked) && !otherNumbers.has(revoked))
    .map((revoked) => ({ channel, topic: revoked, status: 'revoked', at, proof: { source: providerOptOutSource(channel) } }));
}
