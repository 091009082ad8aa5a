/**
 * Double opt-in for SMS, as the CTIA handbook recommends: a consent to texts given anywhere but
 * from the phone itself stays `pending` until the phone's holder confirms it from that phone.
 *
 * The public capture form takes any number, so a grant there would let anyone sign a stranger's
 * phone up for marketing texts. A capture that asks for SMS, or a preference-centre tick of SMS
 * from a link that did not come by SMS, therefore records the SMS consents as `pending` and sends
 * ONE transactional text to the number on the profile, naming the program and saying to reply YES
 * (and that STOP cancels, HELP helps). An inbound YES from that number, within
 * {@link SMS_CONFIRMATION_WINDOW_MS} of the request, grants the pending SMS consents of the
 * customers whose profile holds the number now (lib/sms-keywords/confirm-sms-opt-in.ts); a STOP
 * in between revokes them first, and a YES then finds nothing pending.
 *
 * This module is the request side, and the rule both sides share: which pending consent a YES may
 * still confirm.
 */
import { MessageInvalidError, ProviderError } from '../channels/errors';
import { TRANSACTIONAL, type ConsentState, type Topic } from '../customer/model';
import type { ConsentApiDependencies } from './dependencies';
import { reportConfirmationNotSent } from './confirmation-failures';

/**
 * How long a pending SMS request may be confirmed by a YES: 7 days, as long as the email
 * confirmation link lives (DEFAULT_TOKEN_TTL_SECONDS.confirm). A YES after that confirms nothing,
 * since the holder of a recycled or mistyped number may answer an old text much later; the
 * customer asks again (the preference centre asks again for a request this old).
 */
export const SMS_CONFIRMATION_WINDOW_MS = 7 * 86_400_000;

/**
 * The confirmation text unless the deployment sets its own (SMS_CONFIRMATION_TEXT): the program,
 * what YES does, the rates notice, STOP and HELP, in one GSM-7 segment (132 characters).
 */
export const DEFAULT_SMS_CONFIRMATION_TEXT =
  'Overture alerts: reply YES to get our marketing texts at this number. Msg&data rates may apply. Reply STOP to cancel, HELP for help.';

/** The journey and step names the confirmation text is tagged with (delivery events carry them). */
export const SMS_CONFIRMATION_TAGS = { journey: 'consent', step: 'sms-double-opt-in' } as const;

/** Words the confirmation text must contain: the reply that confirms, and the two every text must honour. */
export const SMS_CONFIRMATION_TEXT_KEYWORDS = ['YES', 'STOP', 'HELP'] as const;

/**
 * Whether `state` is an SMS request a YES received at `at` may still confirm: pending, stated
 * before `at`, and no older than the window. A request stated after the YES is not answered by
 * it, whatever the clocks say.
 */
export function awaitsSmsConfirmation(state: ConsentState, at: string): boolean {
  if (state.channel !== 'sms' || state.status !== 'pending') return false;
  const age = Date.parse(at) - Date.parse(state.at);
  return age > 0 && age <= SMS_CONFIRMATION_WINDOW_MS;
}

/**
 * Whether the SMS consent `state` is a request too old to be confirmed (pending past the window),
 * so a new tick asks again, with a new text, instead of being taken as already asked.
 */
export function isExpiredSmsRequest(state: ConsentState | undefined, now: Date): boolean {
  return state?.channel === 'sms' && state.status === 'pending' && now.getTime() - Date.parse(state.at) > SMS_CONFIRMATION_WINDOW_MS;
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
 * Sends the confirmation text; a refusal or failure is reported, not thrown. The consent is
 * recorded as pending by then, which sends nothing, and the answer to the request must not depend
 * on the number: failing it would only tell a form to retry what already succeeded. A number the
 * adapter cannot text (MessageInvalidError: not a valid mobile number) is reported the same way;
 * its request simply stays pending.
 */
export async function sendSmsConfirmationOrReport(
  deps: Pick<ConsentApiDependencies, 'sms' | 'smsConfirmationText' | 'confirmationNotSent'>,
  request: SmsConfirmationRequest,
): Promise<void> {
  try {
    await deps.sms.send({
      to: request.to,
      customerId: request.customerId,
      journey: SMS_CONFIRMATION_TAGS.journey,
      step: SMS_CONFIRMATION_TAGS.step,
      topic: TRANSACTIONAL,
      body: deps.smsConfirmationText ?? DEFAULT_SMS_CONFIRMATION_TEXT,
    });
  } catch (error) {
    if (!(error instanceof ProviderError || error instanceof MessageInvalidError)) throw error;
    reportConfirmationNotSent(deps, { customerId: request.customerId, channel: 'sms', error });
  }
}
