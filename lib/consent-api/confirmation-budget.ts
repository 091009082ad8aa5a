/**
 * The per-destination budget of double opt-in confirmations: at most
 * {@link CONFIRMATION_BUDGET}.messages confirmation emails to one address, and as many texts to
 * one number, in any {@link CONFIRMATION_BUDGET}.windowMs, whichever customer ids they were for.
 *
 * `POST /consents` is public, and a confirmation goes to whatever address or number the request
 * names (a new customer) or the one on file (an existing customer, for email). Without this,
 * anyone could make us contact a stranger again and again ("subscription bombing") by capturing
 * under new customer ids, or the same id, from many IPs: the per-IP token bucket and the stage
 * throttle limit a client, not what lands in one inbox. That contact is against the recipient's
 * wishes, and it burns the sender's SES and SMS reputation. The budget is kept in DynamoDB
 * (lib/store/confirmation-destinations.ts), since several Lambda instances run at once, and
 * claimed before the provider is called.
 *
 * A refused confirmation changes nothing else: the consent stays `pending` (which sends nothing),
 * the request is answered as if it went out, and the refusal is reported like a provider's, with
 * ids only. A later request, once the window has passed, asks again.
 */
import { claimDestinationSlot, releaseDestinationSlot, type DestinationBudget, type DestinationClaim } from '../store/confirmation-destinations';
import { reportConfirmationNotSent } from './confirmation-failures';
import type { ConsentApiDependencies } from './dependencies';

/**
 * Three confirmations per destination per rolling 24 hours. A person who really asked needs one;
 * a second covers a message lost or filed as spam, or a second form filled the same day; a third,
 * a household member signing up with the shared address or number. Beyond that, more messages
 * are far likelier to be someone else's doing than the recipient's wish, and stopping there holds
 * a victim to three a day instead of as many as a script can send. A day (not the 7-day
 * confirmation window) so that someone refused by mistake can ask again tomorrow; a confirmation
 * already sent stays valid for its 7 days.
 */
export const CONFIRMATION_BUDGET: DestinationBudget = { messages: 3, windowMs: 86_400_000 };

/**
 * A confirmation not sent because its destination had used up CONFIRMATION_BUDGET. The message
 * names the customer and the channel, never the address or number, so it may be logged.
 */
export class ConfirmationBudgetExceededError extends Error {
  constructor(
    readonly customerId: string,
    readonly channel: 'email' | 'sms',
    budget: DestinationBudget,
    options?: { cause?: unknown },
  ) {
    super(
      `${channel === 'sms' ? 'confirmation text' : 'confirmation email'} for customer ${customerId} withheld: its destination had ${budget.messages} confirmations within ${budget.windowMs / 3_600_000} h`,
      options,
    );
    this.name = 'ConfirmationBudgetExceededError';
  }
}

/** A confirmation to be sent: for whom, on which channel, to which address or number. */
export interface BudgetedConfirmation {
  readonly customerId: string;
  readonly channel: 'email' | 'sms';
  readonly to: string;
}

/**
 * Claims a place in the destination's budget for a confirmation sent now: the claim (send it; give
 * it back with giveBackConfirmationBudget if the provider certainly did not take it), or undefined
 * when the budget is spent, which is reported (ConfirmationBudgetExceededError) and must send nothing.
 * @throws CustomerStoreError when the table cannot be written.
 */
export async function claimConfirmationBudget(
  deps: Pick<ConsentApiDependencies, 'phoneIndex' | 'now' | 'confirmationNotSent'>,
  confirmation: BudgetedConfirmation,
): Promise<DestinationClaim | undefined> {
  const { customerId, channel, to } = confirmation;
  const claim = await claimDestinationSlot(deps.phoneIndex, { channel, to }, deps.now().toISOString(), CONFIRMATION_BUDGET);
  if (claim === undefined) reportConfirmationNotSent(deps, { customerId, channel, error: new ConfirmationBudgetExceededError(customerId, channel, CONFIRMATION_BUDGET) });
  return claim;
}

/**
 * Gives back a claim whose confirmation did not go out, so it does not count against the budget.
 * @throws CustomerStoreError when the table cannot be written.
 */
export async function giveBackConfirmationBudget(deps: Pick<ConsentApiDependencies, 'phoneIndex'>, claim: DestinationClaim): Promise<void> {
  await releaseDestinationSlot(deps.phoneIndex, claim);
}
