/**
 * The send path of one journey Send step: read the customer once, ask the permission gate, and
 * either record a skip, return a deferral, or send exactly once.
 *
 * "Once" rests on the send ledger, because SES, SMS and SQS accept no idempotency key and Lambda
 * and Step Functions may run a step twice: the ledger entry, keyed by execution and step (never by
 * attempt), is written with a condition before any provider is called, and whatever is found there
 * on a later attempt is the answer — the provider is not called again.
 *
 * A provider that refuses because the recipient opted out with it (End User Messaging's opt-out
 * list) sent nothing: the reservation is withdrawn, the revocation is recorded in the consent
 * ledger (see recipient-opt-out.ts), and the gate decides again without that channel, so the step
 * may still go out on the customer's next allowed channel, under the same ledger key, or is skipped.
 *
 * A reservation whose provider call certainly sent nothing (throttled, unreachable, opted out) is
 * withdrawn so that a later attempt sends. When withdrawing it fails, the entry is marked unsent
 * instead (`unsentAt`), and the attempt that finds it withdraws it and decides again; only when that
 * mark fails too does the entry stay plainly `pending`, and the next attempt, unable to tell it from
 * one whose provider call may have gone out, settles it as `unknown` and sends nothing.
 *
 * Email and SMS providers take so many messages a second and refuse the rest, so a message the gate
 * allows on such a channel first takes a send slot of the channel (lib/store/send-slots.ts), of the
 * share kept for its class (a transactional topic's, or marketing's for every other, so that a
 * receipt never waits behind a marketing launch): a slot now sends, a later one answers `deferred`
 * until it with reason `rate_limited`, and nothing is reserved. The run after that Wait gets the deferral back in its payload and, if the gate (which
 * always decides again) still chooses that channel, sends in the slot it holds without claiming
 * another; a channel the gate chooses instead takes a slot of its own.
 */
import { isMarketing, type Channel, type CustomerSnapshot } from '../customer/model';
import { decideDelivery, type SkipReason } from '../permission';
import {
  ProviderRejectedError,
  ProviderQuotaExhaustedError,
  ProviderThrottledError,
  ProviderUnavailableError,
  ProviderUnknownOutcomeError,
  MessageInvalidError,
  RecipientOptedOutError,
} from '../channels';
import { SendEntryNotFoundError, SendTransitionError, type DeliveryStore, type SendEntry } from '../store';
import type { TemplateCatalog } from '../templates';
import type { LinkConfig } from '../unsubscribe';
import { isGoalReachedAtStep } from '../journeys/event-history';
import { RATE_LIMITED, type SendDeferReason, type SendStepPayload } from '../journeys/send-contract';
import { sendClassOf, type SendSlots } from '../store/send-slots';
import { composeMessage, dispatchMessage, type ChannelSenders, type ComposedMessage } from './compose-message';
import { providerOptOutRevocations } from './recipient-opt-out';

/** Everything the send path talks to; built once per process and passed in. */
export interface DeliveryPorts {
  readonly store: DeliveryStore;
  readonly templates: TemplateCatalog;
  readonly links: LinkConfig;
  /** The sender's postal address, which marketing emails print (`overture:senderPostalAddress`). */
  readonly senderPostalAddress: string;
  readonly senders: ChannelSenders;
  /** The clock: the wall clock in AWS, the virtual clock in simulation. */
  readonly now: () => Date;
  /** The send slots of the rate-limited channels; absent: no channel is limited (the local runtime's default). */
  readonly sendSlots?: SendSlots;
}

/** Reasons a step sends nothing besides the gate's own. */
export const DELIVERY_SKIP_REASONS = ['unknown_customer', 'goal_reached', 'nothing_to_follow_up'] as const;

/** Reasons a message that the gate allowed still did not go out. */
export const DELIVERY_FAILURE_REASONS = ['provider_rejected', 'message_invalid'] as const;

/**
 * How a Send step ended.
 *
 * - `sent`: the provider accepted the message (now, or on an earlier attempt: `replayed`).
 * - `deferred`: not yet; come back at `until` and decide again.
 * - `skipped`: nothing is sent, for `reason`.
 * - `unknown`: the provider call failed ambiguously; the message may have gone out, so it is never
 *   sent again automatically.
 * - `failed`: the provider definitely refused the message, or it could not be built.
 */
export type DeliveryOutcome = (
  | { readonly outcome: 'sent'; readonly channel: Channel; readonly providerMessageId: string; readonly replayed: boolean }
  | { readonly outcome: 'deferred'; readonly channel: Channel; readonly until: string; readonly reason: SendDeferReason }
  | { readonly outcome: 'skipped'; readonly reason: SkipReason | (typeof DELIVERY_SKIP_REASONS)[number] }
  | { readonly outcome: 'unknown'; readonly channel: Channel }
  | { readonly outcome: 'failed'; readonly channel: Channel; readonly reason: (typeof DELIVERY_FAILURE_REASONS)[number] }
) & {
  /** Channels whose provider refused this recipient as opted out during the step (now revoked); absent when none did. */
  readonly optedOut?: readonly Channel[];
};

/** Raised when concurrent sends or permission changes keep changing the customer's state under this send. */
export class DeliveryContentionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeliveryContentionError';
  }
}

/**
 * Re-reads allowed when, between the read and the reservation, another journey reserved a cap slot
 * for the same customer or a consent, suppression or the preferences changed.
 */
const CHANGED_SINCE_ATTEMPTS = 8;

/**
 * Why a `failed` send-ledger entry sent nothing. The entry keeps the error's name
 * (settleProviderFailure): a message the channel adapter found invalid (an SMS body over the limit
 * once personalised…) never reached the provider; anything else the provider refused.
 */
export function failureReasonOf(entry: SendEntry): (typeof DELIVERY_FAILURE_REASONS)[number] {
  return entry.error === 'MessageInvalidError' ? 'message_invalid' : 'provider_rejected';
}

/** The send-ledger key of a step: stable across retries and restarts of the same execution. */
export function idempotencyKeyOf(execution: string, step: string): string {
  return `${execution}/${step}`;
}

/**
 * Runs one Send step. Throws `ProviderThrottledError` / `ProviderUnavailableError` (nothing was
 * sent and the reservation is withdrawn: the Step Functions Retry sends later) and store errors;
 * every other ending is a {@link DeliveryOutcome}. A channel whose provider answers that the
 * recipient opted out is revoked and left out, and the step decided again (see the module comment).
 */
export async function deliverMessage(ports: DeliveryPorts, request: SendStepPayload): Promise<DeliveryOutcome> {
  const key = idempotencyKeyOf(request.execution, request.step);
  // Channels whose provider refused this recipient during this run. Each refusal removes one, so
  // the loop ends; the ledger condition keeps a step to one message however often it turns.
  const optedOut = new Set<Channel>();
  // The channel whose send slot this run holds: the one its rate_limited deferral waited for (the
  // Wait ended at the slot), or one it claimed now; a turn of the loop after a conflict keeps it.
  let held = request.deferral?.reason === RATE_LIMITED ? request.deferral.channel : undefined;
  let conflicts = 0;
  for (;;) {
    const snapshot = await ports.store.getDecisionSnapshot(request.customerId, request);
    if (snapshot === undefined) {
      return withOptedOut(await recordSkip(ports, request, 'unknown_customer'), optedOut);
    }
    // A reservation in the cap list means an earlier attempt got as far as the ledger: its entry
    // is the answer. Transactional sends are not in the list, so their entry is read each time:
    // else a run after the message went out would answer with a fresh skip (a suppression or the
    // goal since), and the execution take the skip's route, though the message was sent.
    if (!isMarketing(request.topic) || snapshot.frequency.sends.some((send) => send.key === key)) {
      const earlier = await ports.store.getSendEntry(request.customerId, key);
      const settled = earlier === undefined ? undefined : await settleEarlier(ports, earlier);
      if (settled === 'withdrawn') {
        // An earlier attempt's unsent entry is gone: read again, with its cap slot freed.
        conflicts = countConflict(conflicts, key, request);
        continue;
      }
      if (settled !== undefined) return withOptedOut(settled, optedOut);
    }
    if (isGoalReachedAtStep(snapshot, request)) {
      return withOptedOut(await recordSkip(ports, request, 'goal_reached'), optedOut);
    }
    if (request.followUpOf !== undefined && !(await anyMayHaveSent(ports, request, request.followUpOf))) {
      return withOptedOut(await recordSkip(ports, request, 'nothing_to_follow_up'), optedOut);
    }
    const now = ports.now();
    const channels = request.channels.filter((channel) => !optedOut.has(channel));
    const decision = decideDelivery(snapshot, { topic: request.topic, channels }, now);
    if (decision.kind === 'skip') {
      // The provider refused as opted out a channel tried here, so one the customer prefers: if
      // none is left, or none they prefer, that is a missing consent, not a step without channels.
      const reason = (decision.reason === 'no_channel' || decision.reason === 'not_preferred') && optedOut.size > 0 ? 'no_consent' : decision.reason;
      return withOptedOut(await recordSkip(ports, request, reason), optedOut);
    }
    if (decision.kind === 'defer') {
      return withOptedOut(await recordDeferral(ports, request, now, decision), optedOut);
    }
    if (held !== decision.channel && ports.sendSlots?.limits(decision.channel) === true) {
      const slot = await ports.sendSlots.claim(decision.channel, now, sendClassOf(request.topic));
      if (slot > now) return withOptedOut(await recordDeferral(ports, request, now, { channel: decision.channel, until: slot, reason: RATE_LIMITED }), optedOut);
      held = decision.channel;
    }
    const outcome = await sendOnce(ports, request, snapshot, decision.channel, key, now, decision.openUntil);
    if (outcome === 'recipient_opted_out') {
      optedOut.add(decision.channel);
      continue;
    }
    if (outcome !== 'changed_since') return withOptedOut(outcome, optedOut);
    conflicts = countConflict(conflicts, key, request);
  }
}

/**
 * Whether one of `steps` of the request's execution may have reached the customer: its ledger
 * entry is `sent`, `unknown` (the provider may have taken it), or `pending` and not known unsent
 * (an attempt cut short after the provider call). A step skipped, deferred past the follow-up,
 * refused by the provider, or not reached at all has no such entry.
 */
async function anyMayHaveSent(ports: DeliveryPorts, request: SendStepPayload, steps: readonly string[]): Promise<boolean> {
  const entries = await Promise.all(steps.map((step) => ports.store.getSendEntry(request.customerId, idempotencyKeyOf(request.execution, step))));
  return entries.some((entry) => entry !== undefined && (entry.status === 'sent' || entry.status === 'unknown' || (entry.status === 'pending' && entry.unsentAt === undefined)));
}

/** One more conflict after `conflicts`; throws once there have been too many. */
function countConflict(conflicts: number, key: string, request: SendStepPayload): number {
  if (conflicts + 1 < CHANGED_SINCE_ATTEMPTS) return conflicts + 1;
  throw new DeliveryContentionError(
    `send ${key} of customer ${request.customerId}: the customer's cap or permissions kept changing under ${CHANGED_SINCE_ATTEMPTS} attempts`,
  );
}

/** `outcome`, naming the channels refused as opted out during the step when there were any. */
function withOptedOut(outcome: DeliveryOutcome, optedOut: ReadonlySet<Channel>): DeliveryOutcome {
  return optedOut.size === 0 ? outcome : { ...outcome, optedOut: [...optedOut] };
}

async function sendOnce(
  ports: DeliveryPorts,
  request: SendStepPayload,
  snapshot: CustomerSnapshot,
  channel: Channel,
  key: string,
  now: Date,
  openUntil: Date | undefined,
): Promise<DeliveryOutcome | 'changed_since' | 'recipient_opted_out'> {
  let composed: ComposedMessage;
  try {
    composed = composeMessage(channel, snapshot, { ...request, idempotencyKey: key }, { templates: ports.templates, links: ports.links, senderPostalAddress: ports.senderPostalAddress, now, ...(openUntil === undefined ? {} : { openUntil }) });
  } catch (error) {
    if (!(error instanceof MessageInvalidError)) throw error;
    // Nothing was reserved: the decision record is the only trace, and nothing went out.
    await ports.store.recordDecision(request.customerId, {
      ...decisionIds(request),
      at: now.toISOString(),
      outcome: 'skipped',
      channel,
      reason: 'message_invalid',
    });
    return { outcome: 'failed', channel, reason: 'message_invalid' };
  }
  const reservation = await ports.store.reserveSend({
    customerId: request.customerId,
    idempotencyKey: key,
    journey: request.journey,
    step: request.step,
    execution: request.execution,
    channel,
    topic: request.topic,
    at: now.toISOString(),
    expectedFrequency: snapshot.frequency,
  });
  // Decided on a state that has changed since: decide again on the new one.
  if (reservation.kind === 'changed_since') return 'changed_since';
  if (reservation.kind === 'duplicate') {
    const settled = await settleEarlier(ports, reservation.entry);
    // An earlier attempt's unsent entry is gone: decide again on what is there now.
    return settled === 'withdrawn' ? 'changed_since' : settled;
  }
  const reserved = { customerId: request.customerId, key, reservedAt: reservation.entry.reservedAt };

  let providerMessageId: string;
  try {
    ({ providerMessageId } = await dispatchMessage(ports.senders, composed));
  } catch (error) {
    if (error instanceof RecipientOptedOutError) {
      await withdrawAfterOptOut(ports, request, snapshot, reserved, channel, error);
      return 'recipient_opted_out';
    }
    if (error instanceof ProviderQuotaExhaustedError) {
      await withdrawUnsent(ports, reserved, error);
      return deferForQuota(ports, request, channel);
    }
    return settleProviderFailure(ports, reserved, channel, error);
  }
  // If this write fails (or the process dies first), the entry stays `pending` and the next
  // attempt turns it into `unknown` without calling the provider again.
  await ports.store.markSent(request.customerId, key, { providerMessageId, at: ports.now().toISOString() });
  return { outcome: 'sent', channel, providerMessageId, replayed: false };
}

/**
 * How long a channel whose provider's sending quota is used up waits before it is asked again.
 * SES's quota rolls over 24 hours and frees as the sends of the past day age out; the send Task's
 * Retry gives up within minutes, so the step waits (a `.resend` after a Wait) instead of failing.
 */
export const QUOTA_HOLD_MS = 60 * 60 * 1000;

/**
 * Defers a step whose message the provider refused for its used-up quota (nothing was sent, and
 * the reservation is withdrawn) by {@link QUOTA_HOLD_MS}. Where the channel has send slots, they
 * are held until then too, transactional ones as well (the quota is the account's: SES refuses
 * those too), and the step takes the first slot of its class after the hold: every other message
 * of the channel then waits in slot order behind it, at the provider's rate, instead of each
 * asking the provider again and each failing after its retries; transactional ones at the front
 * of their own share, ahead of the marketing messages queued meanwhile.
 */
async function deferForQuota(ports: DeliveryPorts, request: SendStepPayload, channel: Channel): Promise<DeliveryOutcome> {
  const now = ports.now();
  const until = new Date(now.getTime() + QUOTA_HOLD_MS);
  if (ports.sendSlots?.limits(channel) !== true) return recordDeferral(ports, request, now, { channel, until, reason: RATE_LIMITED });
  await ports.sendSlots.holdUntil(channel, until);
  const slot = await ports.sendSlots.claim(channel, now, sendClassOf(request.topic));
  return recordDeferral(ports, request, now, { channel, until: slot, reason: RATE_LIMITED });
}

/** The reservation this attempt made: its entry is `pending` from `reservedAt` until it settles. */
interface Reservation {
  readonly customerId: string;
  readonly key: string;
  readonly reservedAt: string;
}

/**
 * Withdraws a reservation whose provider call certainly sent nothing (`error` says why), so that a
 * later attempt sends. If the release fails (the table throttled, concurrent writers on the
 * frequency item), the entry is marked unsent (`unsentAt`), which a later attempt withdraws
 * (settleEarlier), and the release's error is thrown for the Step Functions Retry. If the mark
 * fails too, the entry stays plainly `pending`: the next attempt cannot tell it from one whose
 * message may have gone out, and settles it `unknown` without sending (see the module comment).
 */
async function withdrawUnsent(ports: DeliveryPorts, reservation: Reservation, error: Error): Promise<void> {
  const { customerId, key, reservedAt } = reservation;
  try {
    await ports.store.releaseReservation(customerId, key);
  } catch (releaseError) {
    // If the mark fails too, its error adds nothing: the entry stays `pending`, and the release's
    // error is the one the Retry is for.
    await ports.store.markUnsent(customerId, key, { reservedAt, error: error.name, at: ports.now().toISOString() }).catch(() => false);
    throw releaseError;
  }
}

/**
 * The provider refused the message because the recipient opted out: nothing was sent. The
 * reservation is withdrawn first, so that if the process dies before the revocation is written the
 * retry asks the provider again (and is refused again) instead of finding a `pending` entry and
 * reporting `unknown`; then the revocations go to the consent ledger, dated now, even when the
 * withdrawal failed: the customer's withdrawal of consent is recorded whatever becomes of the step.
 */
async function withdrawAfterOptOut(
  ports: DeliveryPorts,
  request: SendStepPayload,
  snapshot: CustomerSnapshot,
  reservation: Reservation,
  channel: Channel,
  refusal: RecipientOptedOutError,
): Promise<void> {
  try {
    await withdrawUnsent(ports, reservation, refusal);
  } finally {
    // The number the refused text went to: the profile's, as composeMessage addressed it.
    const phone = snapshot.profile.phone;
    const revocations = providerOptOutRevocations(channel, request.topic, snapshot.consents, phone, ports.now().toISOString());
    for (const revocation of revocations) {
      await ports.store.recordConsent(request.customerId, revocation);
    }
  }
}

/**
 * Records what a failed provider call means for the message. Throttled or unreachable: nothing
 * was sent, so the reservation is withdrawn and the error rethrown for the Step Functions Retry.
 */
async function settleProviderFailure(
  ports: DeliveryPorts,
  reservation: Reservation,
  channel: Channel,
  error: unknown,
): Promise<DeliveryOutcome> {
  const { customerId, key } = reservation;
  const at = ports.now().toISOString();
  if (error instanceof ProviderThrottledError || error instanceof ProviderUnavailableError) {
    await withdrawUnsent(ports, reservation, error);
    throw error;
  }
  if (error instanceof ProviderRejectedError || error instanceof MessageInvalidError) {
    await ports.store.markFailed(customerId, key, { error: error.name, at });
    return { outcome: 'failed', channel, reason: error instanceof ProviderRejectedError ? 'provider_rejected' : 'message_invalid' };
  }
  // A timeout, a 5xx, or anything we cannot explain after the request may have left: the
  // message may be on its way, so it is never sent again automatically.
  const name = error instanceof ProviderUnknownOutcomeError ? error.name : error instanceof Error ? error.name : 'UnknownError';
  await ports.store.markUnknown(customerId, key, { error: name, at });
  return { outcome: 'unknown', channel };
}

/**
 * The answer for a step whose ledger entry already exists. A `pending` entry belongs to an attempt
 * that stopped between reserving and settling, after the provider may have accepted the message:
 * it becomes `unknown`, and nothing is sent, unless that attempt marked it unsent (`unsentAt`: its
 * provider certainly took nothing): then it is withdrawn (`withdrawn`), and the caller decides again.
 */
async function settleEarlier(ports: DeliveryPorts, entry: SendEntry): Promise<DeliveryOutcome | 'withdrawn'> {
  switch (entry.status) {
    case 'sent':
      return { outcome: 'sent', channel: entry.channel, providerMessageId: entry.providerMessageId ?? '', replayed: true };
    case 'failed':
      return { outcome: 'failed', channel: entry.channel, reason: failureReasonOf(entry) };
    case 'unknown':
      return { outcome: 'unknown', channel: entry.channel };
    case 'pending':
      if (entry.unsentAt !== undefined) {
        // Only a marked entry is deleted: if another attempt withdrew it and reserved since, that
        // attempt's entry stays, and the caller's next read finds it.
        await ports.store.releaseReservation(entry.customerId, entry.idempotencyKey, 'unsent');
        return 'withdrawn';
      }
      try {
        await ports.store.markUnknown(entry.customerId, entry.idempotencyKey, {
          error: 'InterruptedAttempt',
          at: ports.now().toISOString(),
        });
        return { outcome: 'unknown', channel: entry.channel };
      } catch (error) {
        // Gone: its attempt learnt that the provider took nothing and withdrew it meanwhile (only
        // then is a pending entry deleted), so nothing was sent: the caller decides again.
        if (error instanceof SendEntryNotFoundError) return 'withdrawn';
        // The attempt was not interrupted after all: it settled, or marked the entry unsent, while
        // we looked. Its answer stands (an unsent entry is withdrawn).
        if (!(error instanceof SendTransitionError)) throw error;
        const settled = await ports.store.getSendEntry(entry.customerId, entry.idempotencyKey);
        if (settled === undefined) return 'withdrawn';
        if (settled.status === 'pending' && settled.unsentAt === undefined) throw error;
        return settleEarlier(ports, settled);
      }
  }
}

/** Records and answers a deferral: the gate's, or the send path's own for want of a send slot. */
async function recordDeferral(
  ports: DeliveryPorts,
  request: SendStepPayload,
  now: Date,
  deferral: { readonly channel: Channel; readonly until: Date; readonly reason: SendDeferReason },
): Promise<DeliveryOutcome> {
  const until = deferral.until.toISOString();
  // A decision record only, as for every deferral: nothing is reserved in the send ledger.
  await ports.store.recordDecision(request.customerId, {
    ...decisionIds(request),
    at: now.toISOString(),
    outcome: 'deferred',
    channel: deferral.channel,
    reason: deferral.reason,
    until,
  });
  return { outcome: 'deferred', channel: deferral.channel, until, reason: deferral.reason };
}

async function recordSkip(
  ports: DeliveryPorts,
  request: SendStepPayload,
  reason: SkipReason | (typeof DELIVERY_SKIP_REASONS)[number],
): Promise<DeliveryOutcome> {
  await ports.store.recordDecision(request.customerId, {
    ...decisionIds(request),
    at: ports.now().toISOString(),
    outcome: 'skipped',
    reason,
  });
  return { outcome: 'skipped', reason };
}

function decisionIds(request: SendStepPayload): { execution: string; journey: string; step: string } {
  return { execution: request.execution, journey: request.journey, step: request.step };
}
