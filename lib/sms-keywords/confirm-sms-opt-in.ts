/**
 * A YES from a number (CONFIRM_KEYWORDS): grants the SMS consents waiting for that number's
 * confirmation, the second half of the SMS double opt-in (lib/consent-api/sms-double-opt-in.ts).
 *
 * It grants, for every customer whose profile holds the number now, each SMS consent that is
 * `pending`, was requested for this number (`proof.phone`) before the YES and no longer ago than
 * SMS_CONFIRMATION_WINDOW_MS, and whose confirmation text to this number went out (it is on
 * record, sms-confirmation-texts.ts) within that window before the YES. Each
 * grant is written only over the pending state it read (`recordConsent(…, { from: 'pending' })`),
 * so a STOP or another change recorded after the read wins and the YES grants nothing there.
 *
 * A shared number grants every holder's pending requests, unlike START, which grants only a sole
 * holder: START grants topics nobody asked for just now, so it must know whose wish it is, while
 * each pending request here was made for this very number within the window, and the confirmation
 * text asked the number about exactly that. Texts still go only to the number that said YES, and
 * one STOP from it revokes every holder again.
 */
import type { ConsentProof, CustomerSnapshot, Topic } from '../customer/model';
import type { CustomerStore } from '../store/customer-store';
import { lastConfirmationTextAt } from '../store/sms-confirmation-texts';
import type { CustomerTable } from '../store/table-design';
import { awaitsSmsConfirmation, SMS_CONFIRMATION_WINDOW_MS } from '../consent-api/sms-double-opt-in';

/** One customer's SMS topics a YES granted. */
export interface GrantedTopics {
  readonly customerId: string;
  readonly topics: readonly Topic[];
}

/** The YES being applied: the number it came from, when SNS received it, and its proof. */
export interface ConfirmingText {
  readonly phone: string;
  readonly receivedAt: string;
  readonly proof: ConsentProof;
}

/**
 * Grants the holders' SMS requests a YES confirms; returns, per customer with at least one, the
 * topics granted. A redelivery of the same YES (same instant and source) writes nothing and
 * returns the topics it granted the first time, so it is reported as what it did (`confirmed`);
 * its answer is not sent again (answer-once.ts).
 */
export async function confirmPendingSmsConsents(
  deps: { readonly store: CustomerStore; readonly phoneIndex: CustomerTable },
  holders: readonly CustomerSnapshot[],
  yes: ConfirmingText,
): Promise<GrantedTopics[]> {
  const { phone, receivedAt, proof } = yes;
  const granted: GrantedTopics[] = [];
  for (const holder of holders) {
    const customerId = holder.profile.customerId;
    const topics: Topic[] = [];
    const awaiting = holder.consents.filter((state) => awaitsSmsConfirmation(state, phone, receivedAt));
    const confirmable = awaiting.length > 0 && (await textWentOutBefore(deps.phoneIndex, customerId, phone, receivedAt));
    for (const state of holder.consents) {
      if (state.channel !== 'sms') continue;
      if (state.status === 'granted' && state.at === receivedAt && state.source === proof.source) {
        topics.push(state.topic);
        continue;
      }
      if (!confirmable || !awaiting.includes(state)) continue;
      const outcome = await deps.store.recordConsent(
        customerId,
        { channel: 'sms', topic: state.topic, status: 'granted', at: receivedAt, proof },
        { from: 'pending' },
      );
      // changed_since: a STOP, or a new request, was recorded after the read; it stands.
      if (outcome.state !== 'changed_since') topics.push(state.topic);
    }
    if (topics.length > 0) granted.push({ customerId, topics });
  }
  return granted;
}

/**
 * Whether a confirmation text to `phone` for the customer went out (or may have) before the YES
 * and within the window: the number was asked, so its YES answers the question. A text the
 * provider refused is not on record.
 */
async function textWentOutBefore(table: CustomerTable, customerId: string, phone: string, receivedAt: string): Promise<boolean> {
  const sentAt = await lastConfirmationTextAt(table, customerId, phone);
  if (sentAt === undefined) return false;
  const age = Date.parse(receivedAt) - Date.parse(sentAt);
  return age >= 0 && age <= SMS_CONFIRMATION_WINDOW_MS;
}
