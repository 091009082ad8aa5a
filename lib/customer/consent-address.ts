/**
 * Consent to marketing email is consent for one address. A confirmation proves that someone who
 * reads that mailbox asked, and nothing about another one; addresses are mistyped (a call-centre
 * agent, a CRM sync) and given up, so a grant given for one address must not follow the customer
 * to another when the profile's email changes: the new address is mailed marketing only once it
 * confirms. The rule mirrors consent-number.ts for texts.
 */
import type { ConsentState } from './model';

/**
 * The address an email grant naming none is recorded for when it was given before the profile's
 * email was stated (ingest, events out of order): the address the customer held then is not
 * kept, so the grant is tied to one no mailbox has (`.invalid` is reserved for that, RFC 2606).
 * The gate then counts it for no address, as NUMBER_BEFORE_PROFILE_PHONE does for texts.
 */
export const ADDRESS_BEFORE_PROFILE_EMAIL = 'address-before-profile-email@consent.invalid';

/**
 * An address as consent compares it: trimmed and without case, as mail systems ignore both. The
 * links' destination digest (destinationDigest) digests this form, so a link and a grant agree on
 * which addresses are one. Sub-addresses (`ana+news@…`) stay apart: the customer typed each one,
 * and the cautious reading is that they differ.
 */
export function comparableAddress(address: string): string {
  return address.trim().toLowerCase();
}

/** Whether two addresses name the same mailbox for consent (see comparableAddress). */
function sameAddress(a: string, b: string): boolean {
  return comparableAddress(a) === comparableAddress(b);
}

/**
 * Whether `consent` speaks for `email`, the address on the profile. SMS and post consents speak
 * for whatever address the profile holds (texts are judged by consentSpeaksForNumber). An email
 * consent speaks for the address it was given for (`consent.email`, the address of its proof);
 * one that names no address (recorded before consents were bound to an address, or by a source
 * that named none: an import, a scenario) keeps its older meaning and speaks for the profile's
 * address, whichever it is.
 */
export function consentSpeaksForAddress(consent: Pick<ConsentState, 'channel' | 'email'>, email: string | undefined): boolean {
  if (consent.channel !== 'email' || consent.email === undefined) return true;
  return email !== undefined && sameAddress(consent.email, email);
}
