/**
 * What happens when a double opt-in confirmation (email or text) does not go out: the request
 * that asked for it still succeeds, with the consent pending (which sends nothing), and the
 * failure is reported as ids and codes only.
 */
import { MessageInvalidError, ProviderError } from '../channels/errors';
import { loggableError } from '../runtime/loggable-error';
import type { ConsentApiDependencies } from './dependencies';

/** A confirmation that did not go out, as reported. */
type ConfirmationFailure = Parameters<NonNullable<ConsentApiDependencies['confirmationNotSent']>>[0];

/**
 * Tells `deps.confirmationNotSent` that a double opt-in email or text did not go out, or logs ids
 * and codes on console.warn when nobody listens.
 */
export function reportConfirmationNotSent(deps: Pick<ConsentApiDependencies, 'confirmationNotSent'>, failure: ConfirmationFailure): void {
  if (deps.confirmationNotSent !== undefined) return deps.confirmationNotSent(failure);
  console.warn(`confirmation ${failure.channel === 'sms' ? 'text' : 'email'} not sent`, { customerId: failure.customerId, error: loggableError(failure.error) });
}

/**
 * What became of a confirmation: `sent`, or `not_sent` with whether the provider may have taken
 * it all the same (a timeout after the request left).
 */
export type ConfirmationDelivery = { readonly kind: 'sent' } | { readonly kind: 'not_sent'; readonly mayHaveBeenSent: boolean };

/**
 * Runs `send`, one confirmation email or text; a provider failure or a message the adapter cannot
 * send (MessageInvalidError: an address or number it cannot use) is reported, not thrown. The
 * consent is recorded as pending by then, which sends nothing, and the answer to the request must
 * depend neither on the address or number on file nor on the provider: failing the request would
 * only tell a form to retry what already succeeded.
 * @throws whatever else `send` throws (a store or programming error).
 */
export async function sendConfirmationOrReport(
  deps: Pick<ConsentApiDependencies, 'confirmationNotSent'>,
  confirmation: Pick<ConfirmationFailure, 'customerId' | 'channel'>,
  send: () => Promise<unknown>,
): Promise<ConfirmationDelivery> {
  try {
    await send();
    return { kind: 'sent' };
  } catch (error) {
    if (!(error instanceof ProviderError || error instanceof MessageInvalidError)) throw error;
    reportConfirmationNotSent(deps, { ...confirmation, error });
    return { kind: 'not_sent', mayHaveBeenSent: error instanceof ProviderError && error.mayHaveBeenSent };
  }
}
