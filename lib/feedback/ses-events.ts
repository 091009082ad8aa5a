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
 * A suppression is stored per customer, but a bounce or complaint is about an address: one that
 * arrives late (asynchronous bounces and complaint loops can take days) may be about an address
 * the customer has since replaced. So the recipients SES names (`bounce.bouncedRecipients`,
 * `complaint.complainedRecipients`) are compared with the profile's email now: when the profile
 * holds an email that none of them is, no suppression is written (`other_address`), since it
 * would block the new address for good. A complaint's revocation of the topic is still written:
 * the complainant may well be the customer, withdrawing is the cautious answer, and they can
 * consent again. An event that names no recipient is applied as before.
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

/**
 * The recipients SES names in a bounce or complaint. Read leniently: a change in their shape must
 * not stop suppressions, and without them the event is applied to the customer as before.
 */
const RecipientsSchema = z.array(z.looseObject({ emailAddress: z.string() })).optional().catch(undefined);

const SesEventSchema = z.discriminatedUnion('eventType', [
  z.looseObject({
    eventType: z.literal('Bounce'),
    mail: MailSchema,
    bounce: z.looseObject({
      bounceType: z.enum(['Permanent', 'Transient', 'Undetermined']),
      bounceSubType: z.string().optional(),
      bouncedRecipients: RecipientsSchema,
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
      complainedRecipients: RecipientsSchema,
    }),
  }),
]);

/** The ARF feedback type of a report that the message is wanted. */
const NOT_SPAM_FEEDBACK_TYPE = 'not-spam';
/** The complaint sub-type of mail SES did not send, the address being on the account's suppression list. */
const ACCOUNT_SUPPRESSION_SUB_TYPE = 'OnAccountSuppressionList';

/**
 * What an SES event means for one customer. Every field but `recipients` is an id or a code;
 * `recipients` holds email addresses, which are personal data: compare them, never log them or put
 * them in an error (log picked fields of this type, never the whole of it).
 */
export interface SesFeedback {
  readonly kind: 'hard_bounce' | 'soft_bounce' | 'complaint' | 'not_spam' | 'account_suppressed';
  readonly customerId: string;
  readonly topic?: string;
  readonly at: string;
  readonly messageId: string;
  /** The addresses the bounce or complaint is about, as SES names them; absent when it names none. Personal data. */
  readonly recipients?: readonly string[];
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
    const kind = event.bounce.bounceType === 'Permanent' ? 'hard_bounce' : 'soft_bounce';
    return { kind, ...common, ...recipientsOf(event.bounce.bouncedRecipients), at: event.bounce.timestamp };
  }
  return { kind: complaintKind(event.complaint), ...common, ...recipientsOf(event.complaint.complainedRecipients), at: event.complaint.timestamp };
}

function recipientsOf(listed: readonly { emailAddress: string }[] | undefined): { recipients?: string[] } {
  const recipients = (listed ?? []).map((recipient) => recipient.emailAddress).filter((address) => address.trim() !== '');
  return recipients.length === 0 ? {} : { recipients };
}

/** The form in which two addresses are compared: the domain is case-insensitive, and so in practice is every mailbox provider's local part. */
function comparableAddress(address: string): string {
  return address.trim().toLowerCase();
}

/**
 * Whether the event is about the address the profile holds now: true when the profile holds no
 * email, or the event names no recipient (nothing to tell them apart by: applied as before).
 */
async function isAboutCurrentAddress(store: CustomerStore, feedback: SesFeedback): Promise<boolean> {
  if (feedback.recipients === undefined) return true;
  const email = (await store.getProfile(feedback.customerId))?.email;
  if (email === undefined) return true;
  const current = comparableAddress(email);
  return feedback.recipients.some((recipient) => comparableAddress(recipient) === current);
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

/**
 * What applying feedback did; codes only. `other_address`: the event was about an address or
 * number the profile no longer holds, so no suppression was written.
 */
export interface FeedbackOutcome {
  readonly suppression?: 'added' | 'kept_earlier' | 'other_address';
  readonly consent?: ConsentRecordOutcome;
}

/**
 * Writes the records of `feedback`, but no suppression when the event is about an address the
 * profile no longer holds (see the module comment). Needs `dynamodb:GetItem` (the profile, read
 * only for a suppression of an event naming its recipients) and `dynamodb:PutItem` on the
 * customer table (the consent write is a TransactWriteItems, for which IAM checks the Puts inside it).
 */
export async function applySesFeedback(store: CustomerStore, feedback: SesFeedback): Promise<FeedbackOutcome> {
  const records = feedbackRecords(feedback);
  let suppression: FeedbackOutcome['suppression'];
  if (records.suppression !== undefined) {
    suppression = (await isAboutCurrentAddress(store, feedback)) ? await store.addSuppression(feedback.customerId, records.suppression) : 'other_address';
  }
  const consent = records.consent === undefined ? undefined : await store.recordConsent(feedback.customerId, records.consent);
  return { ...(suppression === undefined ? {} : { suppression }), ...(consent === undefined ? {} : { consent }) };
}
