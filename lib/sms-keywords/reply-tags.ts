/**
 * The customer ids an answer to an inbound text is tagged with when it is no one customer's: the
 * SMS adapter tags every text with a customer id (End User Messaging hands it back in its events
 * as `context.customer_id`), and a HELP answer to a number no customer holds, or one several do,
 * has none. Apart from the rest of sms-keywords so that the feedback function can tell such an
 * answer's delivery events apart without loading the keyword handling.
 */

/** The customer id the HELP answer is tagged with when the number belongs to no customer. */
export const UNKNOWN_SENDER_ID = 'unknown-sender';
/** The customer id the HELP answer is tagged with when several customers hold the number. */
export const SHARED_NUMBER_SENDER_ID = 'shared-number';

/**
 * Whether a text's customer id is one of the tags above: its delivery events are about a number,
 * not a customer, so they suppress and revoke nothing (a customer who happens to have that id
 * must not lose texts over someone else's number).
 */
export function isNoCustomerReplyTag(customerId: string): boolean {
  return customerId === UNKNOWN_SENDER_ID || customerId === SHARED_NUMBER_SENDER_ID;
}
