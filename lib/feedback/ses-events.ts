/**
 * SES feedback as permission: a hard bounce or a complaint on an email stops every further email to
 * that customer (a suppression, which blocks the channel for every topic), and a complaint also
 * withdraws the consent for the message's topic (a consent-ledger entry, with the SES message id
 * as proof).
 *
 * Input: the `detail` of the EventBridge event an SES configuration set's event destination
 * publishes (the SES event record: `eventType`, `mail` with the message tags, `bounce` or
 * `complaint`). The send path tags every email with `customer_id` and `topic` (lib/channels/email),
 * so no address is ever looked up; events of mail without a `customer_id` tag are not ours and are
 * ignored. Soft (transient) bounces change nothing: the address may work tomorrow.
 *
 * Two complaints are not the customer's complaint about the message:
 * - a `not-spam` feedback report (ARF feedback type, RFC 5965): the recipient told the mailbox
 *   provider the message is wanted. It writes nothing;
 * - a complaint of sub-type `OnAccountSuppressionList`: SES sent nothing, because the address is
 *   on the account's suppression list (someone complained of mail to it before, perhaps under
 *   another customer id). Email to it cannot go out, so it is suppressed (`account_suppressed`),
 *   but no withdrawal is put in the consent ledger in the customer's name: they withdrew nothing.
 *
 * Replaying an event is harmless: a suppression keeps its earliest instant, and the same
 * revocation (same instant and source) is deduped by the consent ledger.
 */
import * as z from 'zod';
import { CustomerIdSchema, InstantSchema, TopicSchema, TRANSACTIONAL, type Suppression } from '../customer/model';
import type { CustomerStore } from '../store/customer-store';
import type { ConsentEvent, ConsentRecordOutcome } from '../store/records';
import { FeedbackEventFormatError } from './event-format-error';

/** Suppression reasons and consent sources this module writes. */
export const FEEDBACK_REASONS = { hardBounce: 'hard_bounce', complaint: 'complaint', accountSuppressed: 'account_suppressed' } as const;
export const COMPLAINT_CONSENT_SOURCE = 'ses-complaint';

/** An SES event record that is not shaped as SES publishes it. Retrying cannot help. */
export class SesEventFormatError extends FeedbackEventFormatError {
  constructor(fields: readonly string[], options?: { cause?: unknown }) {
    super('SES', fields, options);
    this.name = 'SesEventFormatError';
  }
}

/** SES message tags arrive as lists of values. */
const TagsSchema = z.record(z.string(), z.array(z.string())).default({});

const MailSchema = z.looseObject({
  messageId: z.string().min(1),
  timestamp: InstantSchema,
  tags: TagsSchema,
});

const SesEventSchema = z.discriminatedUnion('eventType', [
  z.looseObject({
    eventType: z.literal('Bounce'),
    mail: MailSchema,
    bounce: z.looseObject({
      bounceType: z.enum(['Permanent', 'Transient', 'Undetermined']),
      bounceSubType: z.string().optional(),
      timestamp: InstantSchema,
    }),
  }),
  z.looseObject({
    eventType: z.literal('Complaint'),
    mail: MailSchema,
    complaint: z.looseObject({
      timestamp: InstantSchema,
      complaintFeedbackType: z.string().optional(),
      // SES sends null when there is none.
      complaintSubType: z.string().nullish(),
    }),
  }),
]);

/** The ARF feedback type of a report that the message is wanted. */
const NOT_SPAM_FEEDBACK_TYPE = 'not-spam';
/** The complaint sub-type of mail SES did not send, the address being on the account's suppression list. */
const ACCOUNT_SUPPRESSION_SUB_TYPE = 'OnAccountSuppressionList';

/** What an SES event means for one customer; ids only. */
export interface SesFeedback {
  readonly kind: 'hard_bounce' | 'soft_bounce' | 'complaint' | 'not_spam' | 'account_suppressed';
  readonly customerId: string;
  readonly topic?: string;
  readonly at: string;
  readonly messageId: string;
}

function firstTag(tags: Record<string, string[]>, name: string): string | undefined {
  return tags[name]?.[0];
}

/**
 * Reads the SES event record (EventBridge `detail`). Undefined for event types other than bounce
 * and complaint, and for mail Overture did not send (no valid `customer_id` tag).
 * @throws SesEventFormatError naming the fields (never their values) of a malformed bounce or complaint.
 */
export function sesFeedbackOf(detail: unknown): SesFeedback | undefined {
  const eventType = typeof detail === 'object' && detail !== null ? (detail as { eventType?: unknown }).eventType : undefined;
  if (eventType !== 'Bounce' && eventType !== 'Complaint') return undefined;
  const parsed = SesEventSchema.safeParse(detail);
  if (!parsed.success) throw new SesEventFormatError(parsed.error.issues.map((issue) => issue.path.join('.')), { cause: parsed.error });
  const event = parsed.data;
  const customerId = CustomerIdSchema.safeParse(firstTag(event.mail.tags, 'customer_id'));
  if (!customerId.success) return undefined;
  const topic = TopicSchema.safeParse(firstTag(event.mail.tags, 'topic'));
  const common = { customerId: customerId.data, ...(topic.success ? { topic: topic.data } : {}), messageId: event.mail.messageId };
  if (event.eventType === 'Bounce') {
    return { kind: event.bounce.bounceType === 'Permanent' ? 'hard_bounce' : 'soft_bounce', ...common, at: event.bounce.timestamp };
  }
  return { kind: complaintKind(event.complaint), ...common, at: event.complaint.timestamp };
}

function complaintKind(complaint: { complaintFeedbackType?: string | undefined; complaintSubType?: string | null | undefined }): SesFeedback['kind'] {
  if (complaint.complaintSubType === ACCOUNT_SUPPRESSION_SUB_TYPE) return 'account_suppressed';
  return complaint.complaintFeedbackType === NOT_SPAM_FEEDBACK_TYPE ? 'not_spam' : 'complaint';
}

/** The records a piece of feedback writes: a suppression of email, and for a complaint a revocation. */
export function feedbackRecords(feedback: SesFeedback): { readonly suppression?: Suppression; readonly consent?: ConsentEvent } {
  if (feedback.kind === 'soft_bounce' || feedback.kind === 'not_spam') return {};
  if (feedback.kind === 'hard_bounce') return { suppression: { channel: 'email', reason: FEEDBACK_REASONS.hardBounce, at: feedback.at } };
  if (feedback.kind === 'account_suppressed') return { suppression: { channel: 'email', reason: FEEDBACK_REASONS.accountSuppressed, at: feedback.at } };
  const suppression: Suppression = { channel: 'email', reason: FEEDBACK_REASONS.complaint, at: feedback.at };
  if (feedback.topic === undefined || feedback.topic === TRANSACTIONAL) return { suppression };
  return {
    suppression,
    consent: {
      channel: 'email',
      topic: feedback.topic,
      status: 'revoked',
      at: feedback.at,
      proof: { source: COMPLAINT_CONSENT_SOURCE, messageId: feedback.messageId },
    },
  };
}

/** What applying feedback did. */
export interface FeedbackOutcome {
  readonly suppression?: 'added' | 'kept_earlier';
  readonly consent?: ConsentRecordOutcome;
}

/**
 * Writes the records of `feedback`. Needs `dynamodb:PutItem` on the customer table (the consent
 * write is a TransactWriteItems, for which IAM checks the Puts inside it).
 */
export async function applySesFeedback(store: CustomerStore, feedback: SesFeedback): Promise<FeedbackOutcome> {
  const records = feedbackRecords(feedback);
  const suppression = records.suppression === undefined ? undefined : await store.addSuppression(feedback.customerId, records.suppression);
  const consent = records.consent === undefined ? undefined : await store.recordConsent(feedback.customerId, records.consent);
  return { ...(suppression === undefined ? {} : { suppression }), ...(consent === undefined ? {} : { consent }) };
}
