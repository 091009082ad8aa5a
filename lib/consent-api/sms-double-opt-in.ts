/**
 * Double opt-in for SMS, as the CTIA handbook recommends: a consent to texts given anywhere but
 * from the phone itself stays `pending` until the phone's holder confirms it from that phone.
 *
 * The public capture form takes any number, so a grant there would let anyone sign a stranger's
 * phone up for marketing texts. A capture that asks for SMS, or a preference-centre tick of SMS
 * from a link that did not come by SMS, therefore records the SMS consents as `pending` and sends
 * ONE transactional text to the number on the profile, naming the program and saying to reply YES
 * (and that STOP cancels, HELP helps). The pending consent's proof names the number
 * (`proof.phone`), and the text is on record per customer and number (sms-confirmation-texts.ts).
 * An inbound YES from that number, within {@link SMS_CONFIRMATION_WINDOW_MS} of the request and
 * of the text, grants the pending SMS consents made for it of the customers whose profile holds
 * the number now (lib/sms-keywords/confirm-sms-opt-in.ts); a STOP in between revokes them first,
 * and a YES then finds nothing pending. A request whose text the provider refused, or made for a
 * number the profile no longer holds, is confirmed by no YES.
 *
 * This module is the request side, and the rule both sides share: which pending consent a YES may
 * still confirm.
 */
import { TRANSACTIONAL, type ConsentState, type Topic } from '../customer/model';
import { claimConfirmationText, lastConfirmationTextAt, releaseConfirmationText } from '../store/sms-confirmation-texts';
import { DEFAULT_TOKEN_TTL_SECONDS } from '../unsubscribe/token';
import { claimConfirmationBudget, giveBackConfirmationBudget } from './confirmation-budget';
import type { ConsentApiDependencies } from './dependencies';
import { sendConfirmationOrReport } from './confirmation-failures';

/**
 * How long a pending SMS request may be confirmed by a YES: as long as the email confirmation
 * link lives (DEFAULT_TOKEN_TTL_SECONDS.confirm, 7 days), derived from it so the two cannot drift.
 * A YES after that confirms nothing, since the holder of a recycled or mistyped number may answer
 * an old text much later; the customer asks again (the preference centre asks again for a request
 * this old). It is also the least time between two confirmation texts to one customer's number.
 */
export const SMS_CONFIRMATION_WINDOW_MS = DEFAULT_TOKEN_TTL_SECONDS.confirm * 1000;

/**
 * The confirmation text unless the deployment sets its own (SMS_CONFIRMATION_TEXT): the program,
 * what YES does, the rates notice, STOP and HELP, in one GSM-7 segment (132 characters).
 */
export const DEFAULT_SMS_CONFIRMATION_TEXT =
  'Overture alerts: reply YES to get our marketing texts at this number. Msg&data rates may apply. Reply STOP to cancel, HELP for help.';

/** The journey and step names the confirmation text is tagged with (delivery events carry them). */
const SMS_CONFIRMATION_TAGS = { journey: 'consent', step: 'sms-double-opt-in' } as const;

/** Words the confirmation text must contain: the reply that confirms, and the two every text must honour. */
export const SMS_CONFIRMATION_TEXT_KEYWORDS = ['YES', 'STOP', 'HELP'] as const;

/** Whether `state` is a pending SMS request made for `phone` (`state.phone`; a request recorded without one is for none). */
function isSmsRequestFor(state: ConsentState, phone: string): boolean {
  return state.channel === 'sms' && state.status === 'pending' && state.phone === phone;
}

/**
 * Whether `state` is an SMS request that a YES from `phone`, received at `at`, may still confirm:
 * pending, made for that number (`state.phone`: a request recorded without one, or for the
 * number a profile held before, is not), stated before `at`, and no older than the window. A
 * request stated after the YES is not answered by it, whatever the clocks say. The caller also
 * checks that the confirmation text went out (lastConfirmationTextAt).
 */
export function awaitsSmsConfirmation(state: ConsentState, phone: string, at: string): boolean {
  const age = Date.parse(at) - Date.parse(state.at);
  return isSmsRequestFor(state, phone) && age > 0 && age <= SMS_CONFIRMATION_WINDOW_MS;
}

/**
 * Whether the SMS consent `state` is a request a YES from `phone` (the number on the profile now)
 * could still confirm at `now`, so that a tick of it counts as already asked. A request past the
 * window, or made for another number (or none), does not: a new tick asks again.
 */
export function isOpenSmsRequest(state: ConsentState | undefined, phone: string | undefined, now: Date): boolean {
  return (
    state !== undefined &&
    phone !== undefined &&
    isSmsRequestFor(state, phone) &&
    now.getTime() - Date.parse(state.at) <= SMS_CONFIRMATION_WINDOW_MS
  );
}

/** A confirmation text to send: to the number on the profile, for the customer's pending topics. */
export interface SmsConfirmationRequest {
  readonly customerId: string;
  /** The number, E.164. */
  readonly to: string;
  /** The pending topics (ids only; the text names none, to stay one segment). */
  readonly topics: readonly Topic[];
}

/**
 * What became of a confirmation text: `sent`; `sent_recently`, nothing sent because one went to
 * the number for the customer within SMS_CONFIRMATION_WINDOW_MS (that text's YES confirms this
 * request too); `not_sent` (reported), the provider did not take it; or `limit_reached`
 * (reported), the number had its budget of confirmations (confirmation-budget.ts).
 */
export type SmsConfirmationOutcome = 'sent' | 'sent_recently' | 'not_sent' | 'limit_reached';

/** Whether a confirmation text sent at `sentAt` (none: undefined) is within the window of `at`, so no other may go. */
function textedWithinWindow(sentAt: string | undefined, at: string): boolean {
  return sentAt !== undefined && Date.parse(at) - Date.parse(sentAt) <= SMS_CONFIRMATION_WINDOW_MS;
}

/**
 * Sends the confirmation text, at most one per customer and number within the window (the claim
 * is written first: sms-confirmation-texts.ts), and only within the number's budget of
 * confirmations from all customers (confirmation-budget.ts). A text that went to the number for
 * the customer within the window is looked for first: its YES confirms this request too, so it
 * is `sent_recently` whatever the budget. Otherwise the budget is claimed before the customer's
 * claim, so a text the budget refuses leaves no claim of the customer's behind and no YES
 * confirms its request; the page answers `limit_reached` then, and a later request, past the
 * budget's window, asks again. A refusal or failure is reported, not thrown (see
 * sendConfirmationOrReport), and when the provider certainly did not take the text both claims
 * are given back, so no YES confirms the request and a later one may text again.
 */
export async function sendSmsConfirmationOrReport(
  deps: Pick<ConsentApiDependencies, 'sms' | 'smsConfirmationText' | 'confirmationNotSent' | 'phoneIndex' | 'now'>,
  request: SmsConfirmationRequest,
): Promise<SmsConfirmationOutcome> {
  const text = { customerId: request.customerId, phone: request.to, at: deps.now().toISOString() };
  if (textedWithinWindow(await lastConfirmationTextAt(deps.phoneIndex, text.customerId, text.phone), text.at)) return 'sent_recently';
  const budget = await claimConfirmationBudget(deps, { customerId: request.customerId, channel: 'sms', to: request.to });
  if (budget === undefined) return 'limit_reached';
  if (!(await claimConfirmationText(deps.phoneIndex, text, SMS_CONFIRMATION_WINDOW_MS))) {
    await giveBackConfirmationBudget(deps, budget);
    return 'sent_recently';
  }
  const delivery = await sendConfirmationOrReport(deps, { customerId: request.customerId, channel: 'sms' }, () =>
    deps.sms.send({
      to: request.to,
      customerId: request.customerId,
      journey: SMS_CONFIRMATION_TAGS.journey,
      step: SMS_CONFIRMATION_TAGS.step,
      topic: TRANSACTIONAL,
      body: deps.smsConfirmationText ?? DEFAULT_SMS_CONFIRMATION_TEXT,
    }),
  );
  if (delivery.kind === 'sent') return 'sent';
  if (!delivery.mayHaveBeenSent) {
    await releaseConfirmationText(deps.phoneIndex, text);
    await giveBackConfirmationBudget(deps, budget);
  }
  return 'not_sent';
}
