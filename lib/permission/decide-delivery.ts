/**
 * The permission gate: whether, on which channel and when one message may go to one customer.
 */
import { isMarketing, type Channel, type CustomerSnapshot, type Topic } from '../customer/model';
import { closedReasonAt, closingAfter, nextAllowedInstant } from './allowed-hours';
import { channelBlockAt, channelFacts, channelLadder, recordChangesAfter, type ChannelFacts } from './channel-ladder';
import type { ChannelEvaluation, DeliveryDecision } from './decision';
import { PermissionGateInputError } from './errors';
import { capAllows, sendTimesOf } from './frequency-cap';
import type { SkipReason } from './reasons';
import { zoneOffsets, type ZoneOffsets } from './zone-offsets';

/** The message a journey step wants to send. */
export interface OutgoingMessage {
  /** The consent topic; `transactional` needs no marketing consent. */
  readonly topic: Topic;
  /** The channels the step allows, in the step's order. */
  readonly channels: readonly Channel[];
}

/**
 * Decides whether `message` may go to `customer` at `now`: `send` on a channel, `defer` to a later
 * instant, or `skip` with a reason. Pure: the same arguments always give the same decision.
 *
 * The rules (the contract's "Rules every report obeys", 1–7):
 * 1. Marketing (any topic but `transactional`) on channel C needs the latest consent for
 *    (C, topic) dated at or before the instant to be `granted` and, for SMS, given for the
 *    profile's number: a grant naming another number (`phone`) is no consent for this one; a
 *    grant naming none is read as before (see consent-number.ts). Email alike: a grant naming
 *    another address (`email`) is no consent for the profile's (see consent-address.ts).
 * 2. A suppression of C dated at or before the instant blocks C for every topic.
 * 3. email needs `profile.email`, sms `profile.phone`, mail `profile.address`.
 * 4. Marketing email and SMS never go out inside the quiet hours; marketing SMS only in
 *    08:00–21:00 local. Times of day are in `profile.timezone`, half-open `[start, end)`.
 * 5. Marketing email and SMS go out inside the preferred window.
 * 6. A marketing message goes out at `t` only while fewer than `maxPerWeek` counted sends lie in
 *    `(t − 7 days, t]` (see `sendsInCapWindow`); otherwise it is skipped as `frequency_capped`.
 * 7. Channels are tried in ladder order (see `channelLadder`); the first that passes 1–3 and whose
 *    hours ever open is chosen. If its hours are open now, `send`; otherwise the message waits for
 *    that channel rather than falling to a worse one, and `defer.until` is the earliest instant at
 *    which the gate, given the same records, answers `send`. If none passes, the skip reason is the
 *    first ladder channel's (`unreachable` when no channel has a contact point).
 *
 * Records dated after `now` (a consent or suppression arriving with a later time) do not count at
 * `now`, but they do count from their own instant on; so when one takes effect before the chosen
 * channel opens, the deferral accounts for it: `until` may then be that instant and `channel` the
 * one the ladder picks there, and when no channel would pass there, the message is skipped now.
 *
 * `evaluations` describes every channel of the step at `now`.
 *
 * @throws PermissionGateInputError when `now`, a record's instant or the time zone is malformed.
 */
export function decideDelivery(customer: CustomerSnapshot, message: OutgoingMessage, now: Date): DeliveryDecision {
  const nowMs = now.getTime();
  if (Number.isNaN(nowMs)) throw new PermissionGateInputError('now is not a valid instant');
  const marketing = isMarketing(message.topic);
  const zone = zoneOffsets(customer.profile.timezone);
  const ladder = channelLadder(message.channels, customer.preferences.channels, marketing);
  const excluded: ChannelEvaluation[] = ladder.excluded.map((channel) => ({ channel, verdict: 'excluded', reason: 'not_preferred' }));
  if (ladder.order.length === 0) {
    return { kind: 'skip', reason: message.channels.length === 0 ? 'no_channel' : 'not_preferred', evaluations: excluded };
  }

  const facts = ladder.order.map((channel) => channelFacts(customer, channel, message.topic, marketing));
  const { evaluations, chosen } = evaluateAt(facts, marketing, nowMs);
  evaluations.push(...excluded);
  if (chosen === undefined) return { kind: 'skip', reason: skipReasonAt(facts, marketing, nowMs), evaluations };

  const capped = marketing ? customer.preferences.maxPerWeek : undefined;
  const sendTimes = capped === undefined ? [] : sendTimesOf(customer.frequency);

  const closedReason = closedReasonAt(chosen.hours, zone, nowMs);
  if (closedReason === undefined) {
    if (!capAllows(capped, sendTimes, nowMs)) return { kind: 'skip', reason: 'frequency_capped', evaluations };
    const closing = closingAfter(chosen.hours, zone, nowMs);
    return { kind: 'send', channel: chosen.channel, ...(closing === undefined ? {} : { openUntil: new Date(closing) }), evaluations };
  }

  // The cap is judged at the instant the message would go out, not at `now`.
  const opening = firstOpening(facts, marketing, zone, nowMs, chosen);
  if (opening.kind === 'skip') return { kind: 'skip', reason: opening.reason, evaluations };
  return capAllows(capped, sendTimes, opening.atMs)
    ? { kind: 'defer', channel: opening.channel, until: new Date(opening.atMs), reason: closedReason, evaluations }
    : { kind: 'skip', reason: 'frequency_capped', evaluations };
}

/** Every ladder channel's verdict at `atMs`, and the chosen one's facts. */
function evaluateAt(
  facts: readonly ChannelFacts[],
  marketing: boolean,
  atMs: number,
): { evaluations: ChannelEvaluation[]; chosen: ChannelFacts | undefined } {
  const evaluations: ChannelEvaluation[] = [];
  let chosen: ChannelFacts | undefined;
  for (const channelFact of facts) {
    const block = channelBlockAt(channelFact, marketing, atMs);
    if (block !== undefined) {
      evaluations.push({ channel: channelFact.channel, verdict: 'blocked', reason: block });
    } else if (chosen === undefined) {
      chosen = channelFact;
      evaluations.push({ channel: channelFact.channel, verdict: 'chosen' });
    } else {
      evaluations.push({ channel: channelFact.channel, verdict: 'available' });
    }
  }
  return { evaluations, chosen };
}

/** The first ladder channel that passes at `atMs`, if any. */
function chosenAt(facts: readonly ChannelFacts[], marketing: boolean, atMs: number): ChannelFacts | undefined {
  return facts.find((channelFact) => channelBlockAt(channelFact, marketing, atMs) === undefined);
}

/** The skip reason when no channel passes at `atMs`: the first ladder channel's block. */
function skipReasonAt(facts: readonly ChannelFacts[], marketing: boolean, atMs: number): SkipReason {
  const first = facts[0];
  return (first && channelBlockAt(first, marketing, atMs)) ?? 'unreachable';
}

type Opening = { kind: 'open'; atMs: number; channel: Channel } | { kind: 'skip'; reason: SkipReason };

/**
 * Walks forward from `fromMs` to the first instant at which the channel the ladder picks is inside
 * its allowed hours. Which channel the ladder picks only changes when a consent or suppression
 * dated after `fromMs` takes effect, so the walk goes from one such change to the next; if at a
 * change no channel passes any more, the message can never go out before then and is skipped.
 */
function firstOpening(
  facts: readonly ChannelFacts[],
  marketing: boolean,
  zone: ZoneOffsets,
  fromMs: number,
  chosenAtStart: ChannelFacts,
): Opening {
  const changes = recordChangesAfter(facts, fromMs);
  let chosen = chosenAtStart;
  let atMs = fromMs;
  for (let index = 0; ; index += 1) {
    const nextChange = changes[index] ?? Infinity;
    const opening = nextAllowedInstant(chosen.hours, zone, atMs);
    if (opening < nextChange) return { kind: 'open', atMs: opening, channel: chosen.channel };
    atMs = nextChange;
    const next = chosenAt(facts, marketing, atMs);
    if (next === undefined) return { kind: 'skip', reason: skipReasonAt(facts, marketing, atMs) };
    chosen = next;
  }
}
