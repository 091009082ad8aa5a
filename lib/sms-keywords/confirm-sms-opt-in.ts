/**
 * A YES from a number (CONFIRM_KEYWORDS): grants the SMS consents waiting for that number's
 * confirmation, the second half of the SMS double opt-in (lib/consent-api/sms-double-opt-in.ts).
 *
 * It grants, for every customer whose profile holds the number now, each SMS consent that is
 * `pending`, was requested before the YES and no longer ago than SMS_CONFIRMATION_WINDOW_MS. Each
 * grant is written only over the pending state it read (`recordConsent(…, { from: 'pending' })`),
 * so a STOP or another change recorded after the read wins and the YES grants nothing there.
 *
 * A shared number grants every holder's pending requests, unlike START, which grants only a sole
 * holder: START grants topics nobody asked for just now, so it must know whose wish it is, while
 * each pending request here was made for this very number within the window, and the confirmation
 * text asked the number about exactly that. Texts still go only to the number that said YES, and
 * one STOP from it revokes every holder again.
 */
import type { CustomerSnapshot, Topic } from '../customer/model';
import type { CustomerStore } from '../store/customer-store';
import type { ConsentProof } from '../customer/model';
import { awaitsSmsConfirmation } from '../consent-api/sms-double-opt-in';

/** One customer's SMS topics a YES granted. */
export interface GrantedTopics {
  readonly customerId: string;
  readonly topics: readonly Topic[];
}

/**
 * Grants the holders' SMS requests a YES received at `receivedAt` confirms; returns, per customer
 * with at least one, the topics granted. A redelivery of the same YES (same instant and source)
 * writes nothing and returns the topics it granted the first time, so it is reported as what it
 * did (`confirmed`); its answer is not sent again (answer-once.ts).
 */
export async function confirmPendingSmsConsents(
  store: CustomerStore,
  holders: readonly CustomerSnapshot[],
  receivedAt: string,
  proof: ConsentProof,
): Promise<GrantedTopics[]> {
  const granted: GrantedTopics[] = [];
  for (const holder of holders) {
    const customerId = holder.profile.customerId;
    const topics: Topic[] = [];
    for (const state of holder.consents) {
      if (state.channel !== 'sms') continue;
      if (state.status === 'granted' && state.at === receivedAt && state.source === proof.source) {
        topics.push(state.topic);
        continue;
      }
      if (!awaitsSmsConfirmation(state, receivedAt)) continue;
      const outcome = await store.recordConsent(
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
