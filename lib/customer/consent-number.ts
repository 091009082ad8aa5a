/**
 * Consent to marketing texts is consent for one number. The FCC's prior express written consent
 * names the telephone number it authorizes, and numbers are mistyped and recycled (hence its
 * Reassigned Numbers Database), so a grant given for one number must not follow the customer to
 * another when the profile's phone changes.
 */
import type { ConsentState } from './model';

/**
 * Whether `consent` speaks for `phone`, the number on the profile. Email and post consents speak
 * for whatever number the profile holds (an email grant's address: consent-address.ts). An SMS consent speaks for the number it was given for
 * (`consent.phone`, the number of its proof); one that names no number (recorded before consents
 * were bound to a number, or by a source that named none: an import, a scenario) keeps its older
 * meaning and speaks for the profile's number, whichever it is.
 */
export function consentSpeaksForNumber(consent: Pick<ConsentState, 'channel' | 'phone'>, phone: string | undefined): boolean {
  return consent.channel !== 'sms' || consent.phone === undefined || consent.phone === phone;
}
