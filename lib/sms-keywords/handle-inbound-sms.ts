/**
 * What an inbound text does to the customer's consent:
 * - STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT revoke SMS consent for every
 *   topic the customer has on SMS (and `marketing` even if none is recorded: the wish is on file);
 * - START, UNSTOP grant SMS consent again for the opt-in topics (`marketing` by default), only
 *   from the number the profile holds now;
 * - HELP answers with instructions (a transactional text to the sender);
 * - anything else is ignored.
 *
 * Each change is a ledger entry whose proof is the keyword (`source: sms-keyword:STOP`) and the
 * inbound message id, dated when SNS received the text. SNS delivers at least once; a redelivery
 * carries the same time and id, so it writes the very same entries, which the store dedupes.
 *
 * In AWS, End User Messaging also keeps its own opt-out list for the number and, when keywords are
 * configured on it, replies to STOP and HELP itself; this handler makes the customer's consent
 * ledger, which the permission gate reads, agree with it.
 */
import { MessageInvalidError } from '../channels/errors';
import type { SmsSender } from '../channels/sms';
import { TRANSACTIONAL, type Topic } from '../customer/model';
import type { CustomerStore } from '../store/customer-store';
import { customerIdForPhone, type PhoneIndexTable } from '../store/phone-index';
import type { InboundSms } from './inbound-sms';
import { smsKeywordOf, type SmsKeyword } from './keywords';

export interface InboundSmsDependencies {
  readonly store: CustomerStore;
  readonly phoneIndex: PhoneIndexTable;
  /** Sends the HELP answer. */
  readonly replies: SmsSender;
  /** The HELP answer: who we are, how to stop, how to reach us. */
  readonly helpText: string;
  /** Topics START and UNSTOP grant. @default ['marketing'] */
  readonly optInTopics?: readonly Topic[];
}

export const DEFAULT_HELP_TEXT = 'Overture alerts. Reply STOP to opt out, START to opt back in. Msg&data rates may apply.';

/** The customer id the HELP answer is tagged with when the number belongs to no customer. */
export const UNKNOWN_SENDER_ID = 'unknown-sender';

/** What an inbound text did; ids only (never the number or the text). */
export type InboundSmsOutcome =
  | { readonly kind: 'opted_out' | 'opted_in'; readonly keyword: SmsKeyword; readonly customerId: string; readonly topics: readonly Topic[] }
  | { readonly kind: 'help'; readonly keyword: SmsKeyword; readonly customerId?: string; readonly replied: boolean }
  | { readonly kind: 'unknown_number'; readonly keyword: SmsKeyword }
  | { readonly kind: 'not_a_keyword' };

/**
 * Applies one inbound text, received at `receivedAt` (the SNS timestamp).
 * @throws CustomerStoreError or a ProviderError from the reply; the caller lets SNS retry.
 */
export async function handleInboundSms(deps: InboundSmsDependencies, message: InboundSms, receivedAt: string): Promise<InboundSmsOutcome> {
  const matched = smsKeywordOf(message.messageBody);
  if (matched === undefined) return { kind: 'not_a_keyword' };
  const { keyword, action } = matched;
  const customerId = await customerIdForPhone(deps.phoneIndex, message.originationNumber);

  if (action === 'help') {
    try {
      await deps.replies.send({
        to: message.originationNumber,
        customerId: customerId ?? UNKNOWN_SENDER_ID,
        journey: 'sms-keywords',
        step: 'help',
        topic: TRANSACTIONAL,
        body: deps.helpText,
      });
      return { kind: 'help', keyword, ...(customerId === undefined ? {} : { customerId }), replied: true };
    } catch (error) {
      // A number the adapter cannot text (not a valid mobile number) will never become one: do not retry.
      if (error instanceof MessageInvalidError) return { kind: 'help', keyword, ...(customerId === undefined ? {} : { customerId }), replied: false };
      throw error;
    }
  }

  if (customerId === undefined) return { kind: 'unknown_number', keyword };
  const snapshot = await deps.store.getSnapshot(customerId);
  if (snapshot === undefined) return { kind: 'unknown_number', keyword };

  const proof = { source: `sms-keyword:${keyword}`, messageId: message.inboundMessageId };
  if (action === 'opt_out') {
    const topics = [...new Set(['marketing', ...snapshot.consents.filter((consent) => consent.channel === 'sms').map((consent) => consent.topic)])];
    for (const topic of topics) {
      await deps.store.recordConsent(customerId, { channel: 'sms', topic, status: 'revoked', at: receivedAt, proof });
    }
    return { kind: 'opted_out', keyword, customerId, topics };
  }
  // The index can outlive a number the profile dropped (a write cut short between the profile and
  // the index); that number may be someone else's now, and must not grant this customer anything.
  if (snapshot.profile.phone !== message.originationNumber) return { kind: 'unknown_number', keyword };
  const topics = [...(deps.optInTopics ?? ['marketing'])];
  for (const topic of topics) {
    await deps.store.recordConsent(customerId, { channel: 'sms', topic, status: 'granted', at: receivedAt, proof });
  }
  return { kind: 'opted_in', keyword, customerId, topics };
}
