/**
 * What happens when a double opt-in confirmation (email or text) does not go out: the request
 * that asked for it still succeeds, with the consent pending (which sends nothing), and the
 * failure is reported as ids and codes only.
 */
import { loggableError } from '../runtime/loggable-error';
import type { ConsentApiDependencies } from './dependencies';

/**
 * Tells `deps.confirmationNotSent` that a double opt-in email or text did not go out, or logs ids
 * and codes on console.warn when nobody listens.
 */
export function reportConfirmationNotSent(
  deps: Pick<ConsentApiDependencies, 'confirmationNotSent'>,
  failure: Parameters<NonNullable<ConsentApiDependencies['confirmationNotSent']>>[0],
): void {
  if (deps.confirmationNotSent !== undefined) return deps.confirmationNotSent(failure);
  console.warn(`confirmation ${failure.channel === 'sms' ? 'text' : 'email'} not sent`, { customerId: failure.customerId, error: loggableError(failure.error) });
}
