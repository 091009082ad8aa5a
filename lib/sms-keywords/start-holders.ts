/**
 * Who a START (or UNSTOP) can speak for among the customers whose profile holds the number.
 *
 * A profile's number is only a claim: anyone can type any number into the public capture form
 * (`POST /consents`), which stores a new customer with it and a `pending` request for texts to it.
 * Counted as a holder, such a customer would make the number shared, and START, which grants only
 * a sole holder, would grant its owner nothing: one request from a stranger who knows the number
 * would block the opt-in from the phone.
 *
 * So when several customers hold the number, only those who were ever granted texts for it count:
 * whose ledger holds an SMS grant whose proof names the number (a YES or START from it, a tick from
 * a link texted to it, a grant an ingested event states for it) or names no number (such a grant
 * follows the profile's number: an import, a grant recorded before grants named one). Nobody but
 * the phone's holder, or the operator's own systems, can record one: a request the public form
 * makes is `pending`, and a STOP's revocation, which is written for every holder (the stranger's
 * id too), is a withdrawal, no sign of whose phone it is. When none of them has such a grant, all
 * count, as before. Customers who each had a grant for the number still make it shared: START
 * grants nothing then (a grant given to the wrong one is a breach, one withheld is not).
 */
import { consentSpeaksForNumber } from '../customer/consent-number';
import type { ConsentState, CustomerSnapshot } from '../customer/model';
import type { CustomerStore } from '../store/customer-store';

/** Whether `consent` is an SMS grant for `phone`: one naming the number, or none (consentSpeaksForNumber). */
function isSmsGrantFor(phone: string, consent: Pick<ConsentState, 'channel' | 'status' | 'phone'>): boolean {
  return consent.channel === 'sms' && consent.status === 'granted' && consentSpeaksForNumber(consent, phone);
}

/** Whether the customer was ever granted texts for `phone`: the current states first, the ledger only when they do not say. */
async function everGrantedFor(store: CustomerStore, holder: CustomerSnapshot, phone: string): Promise<boolean> {
  if (holder.consents.some((state) => isSmsGrantFor(phone, state))) return true;
  const ledger = await store.consentLedger(holder.profile.customerId);
  return ledger.some((entry) => isSmsGrantFor(phone, { channel: entry.channel, status: entry.status, phone: entry.proof.phone }));
}

/**
 * The holders of `phone` a START counts (see the module comment): all of them when there is one
 * or none, else those ever granted texts for the number, or all when none was. The ledger is read
 * only for a number several customers hold, and only of those whose current states show no grant.
 */
export async function holdersStartCounts(store: CustomerStore, holders: readonly CustomerSnapshot[], phone: string): Promise<readonly CustomerSnapshot[]> {
  if (holders.length < 2) return holders;
  const granted = await Promise.all(holders.map((holder) => everGrantedFor(store, holder, phone)));
  const counted = holders.filter((_, index) => granted[index]);
  return counted.length > 0 ? counted : holders;
}
