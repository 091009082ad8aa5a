/**
 * The channel ladder (contract rule 7) and what each channel of it needs (rules 1–3): the order in
 * which channels are tried, and, for each, whether it can carry the message at a given instant.
 */
import { consentSpeaksForAddress } from '../customer/consent-address';
import { consentSpeaksForNumber } from '../customer/consent-number';
import type { Channel, CustomerSnapshot, Profile, Topic } from '../customer/model';
import { allowedHoursFor, neverOpens, type AllowedHours } from './allowed-hours';
import { PermissionGateInputError } from './errors';
import type { ChannelBlockReason } from './reasons';

/** The channels to try, in order, and the step's channels left out for marketing. */
export interface ChannelLadder {
  readonly order: readonly Channel[];
  /** Marketing only: channels the step allows that `preferences.channels` leaves out. */
  readonly excluded: readonly Channel[];
}

/**
 * The order in which the gate tries channels.
 *
 * Without `preferences.channels`, the step's own order. With it: for marketing, the customer's
 * order restricted to the step's channels (the others are excluded); for transactional messages,
 * the customer's order restricted to the step's channels, then the step's remaining channels in
 * the step's order. Repeated channels in the step count once.
 */
export function channelLadder(
  stepChannels: readonly Channel[],
  preferred: readonly Channel[] | undefined,
  marketing: boolean,
): ChannelLadder {
  const step = [...new Set(stepChannels)];
  if (preferred === undefined) return { order: step, excluded: [] };
  const first = preferred.filter((channel) => step.includes(channel));
  const rest = step.filter((channel) => !first.includes(channel));
  return marketing ? { order: first, excluded: rest } : { order: [...first, ...rest], excluded: [] };
}

/** What the gate knows about one channel of the ladder, parsed once per decision. */
export interface ChannelFacts {
  readonly channel: Channel;
  readonly reachable: boolean;
  /** The earliest suppression of the channel (epoch ms), `Infinity` when none. */
  readonly suppressedFromMs: number;
  /**
   * Marketing only: the consents for (channel, topic), sorted by `at`. An SMS grant given for a
   * number other than the profile's, or an email grant given for another address, counts as not
   * granted (see consent-number.ts, consent-address.ts).
   */
  readonly consents: readonly { readonly atMs: number; readonly granted: boolean }[];
  readonly hours: AllowedHours;
}

/**
 * Parses what rules 1–5 need about `channel` from the snapshot. The profile's number and address
 * are the ones the message would go to (the send path sends to the snapshot's), so a consent is
 * judged against them.
 */
export function channelFacts(customer: CustomerSnapshot, channel: Channel, topic: Topic, marketing: boolean): ChannelFacts {
  const { profile } = customer;
  const reachable = hasContactPoint(profile, channel);
  const suppressedFrom = suppressedFromMs(customer, channel);
  const consents: { atMs: number; granted: boolean }[] = [];
  if (marketing) {
    customer.consents.forEach((consent, index) => {
      if (consent.channel !== channel || consent.topic !== topic) return;
      const granted =
        consent.status === 'granted' && consentSpeaksForNumber(consent, profile.phone) && consentSpeaksForAddress(consent, profile.email);
      consents.push({ atMs: instantOf(consent.at, `consents[${index}].at`), granted });
    });
    consents.sort((a, b) => a.atMs - b.atMs);
  }
  return { channel, reachable, suppressedFromMs: suppressedFrom, consents, hours: allowedHoursFor(channel, marketing, customer.preferences) };
}

/**
 * The earliest instant (epoch ms) from which `channel` is suppressed for the customer, `Infinity`
 * when it is not: rule 2's one definition of suppressed. A suppression blocks the channel for every
 * address and topic from its own instant on, so the channel is suppressed at `atMs` exactly when
 * this is `<= atMs`.
 *
 * @throws PermissionGateInputError when a suppression of `channel` has a malformed instant.
 */
export function suppressedFromMs(customer: CustomerSnapshot, channel: Channel): number {
  let fromMs = Infinity;
  customer.suppressions.forEach((suppression, index) => {
    if (suppression.channel !== channel) return;
    fromMs = Math.min(fromMs, instantOf(suppression.at, `suppressions[${index}].at`));
  });
  return fromMs;
}

/**
 * Whether the profile holds somewhere `channel` can deliver to (rule 3 of the simulation contract:
 * email needs an address, SMS a number, mail a postal address). A number in E.164 form counts
 * whatever its country's numbering plan says: numbers coming in are checked against it where they
 * come in (`ValidPhoneSchema`), and one that got past (stored before) is refused by the SMS adapter
 * and recorded `message_invalid`, never sent.
 */
function hasContactPoint(profile: Profile, channel: Channel): boolean {
  if (channel === 'email') return profile.email !== undefined;
  if (channel === 'sms') return profile.phone !== undefined;
  return profile.address !== undefined;
}

/**
 * Why `facts.channel` cannot carry the message at `atMs`, or `undefined` when it can (hours aside).
 * Checked in this order: suppressed, unreachable, no consent, hours that never open.
 */
export function channelBlockAt(facts: ChannelFacts, marketing: boolean, atMs: number): ChannelBlockReason | undefined {
  if (facts.suppressedFromMs <= atMs) return 'suppressed';
  if (!facts.reachable) return 'unreachable';
  if (marketing && !consentGrantedAt(facts.consents, atMs)) return 'no_consent';
  if (neverOpens(facts.hours)) return 'no_allowed_hours';
  return undefined;
}

/**
 * Whether the latest consent at or before `atMs` is granted. The snapshot normally holds one
 * current state per (channel, topic); should it hold several, they are read as a ledger, and of
 * several dated at the same instant any that is not `granted` wins (the cautious reading). A
 * consent dated after `atMs` does not count yet.
 */
export function consentGrantedAt(consents: ChannelFacts['consents'], atMs: number): boolean {
  let granted = false;
  let latest = -Infinity;
  for (const consent of consents) {
    if (consent.atMs > atMs) break;
    granted = consent.atMs === latest ? granted && consent.granted : consent.granted;
    latest = consent.atMs;
  }
  return granted;
}

/** The instants after `afterMs` at which some channel's suppression or consent changes, ascending. */
export function recordChangesAfter(ladder: readonly ChannelFacts[], afterMs: number): number[] {
  const changes = new Set<number>();
  for (const facts of ladder) {
    if (facts.suppressedFromMs > afterMs && facts.suppressedFromMs !== Infinity) changes.add(facts.suppressedFromMs);
    for (const consent of facts.consents) if (consent.atMs > afterMs) changes.add(consent.atMs);
  }
  return [...changes].sort((a, b) => a - b);
}

function instantOf(text: string, path: string): number {
  const at = Date.parse(text);
  if (Number.isNaN(at)) throw new PermissionGateInputError(`${path} is not an instant`);
  return at;
}
