/**
 * End User Messaging SMS feedback as permission: a text that failed because the number itself is
 * bad (invalid, or blocking texts to it) stops every further text to that customer (a suppression
 * of SMS for every topic), and withdraws the SMS consent for the text's topic with the event as
 * proof in the consent ledger, since consent to texts belongs to a number that no longer takes them.
 *
 * Input: the event record the SMS configuration set's SNS event destination publishes as the SNS
 * message (`eventType`, `eventTimestamp` in epoch milliseconds, `messageId`, `context`…). The
 * send path puts the ids of every text in `Context` (`customer_id`, `journey`, `step`, `topic`;
 * lib/channels/sms), which the service returns as `context`, so no phone number is ever looked up;
 * events without a valid `customer_id` are not Overture's and are ignored.
 *
 * A suppression is stored per customer, but a permanent failure is about a number, and carrier
 * events can arrive up to 72 hours late, after the customer moved to another number and perhaps
 * confirmed it. So `destinationPhoneNumber` is compared (never logged) with the profile's phone
 * now: when the profile holds a phone that is not that number (both E.164), nothing is written,
 * neither the suppression nor the revocation, which would both silence the new number
 * (`other_address`). An event without the number, or a profile without a phone, is applied as before.
 *
 * Which failures mean what (AWS End User Messaging SMS, "Event types for SMS, MMS, and voice"):
 * - permanent — the number: `TEXT_INVALID` (the destination number is not valid) and
 *   `TEXT_BLOCKED` (the recipient's device or carrier blocks texts to that recipient);
 * - transient — the number may work tomorrow: `TEXT_UNREACHABLE` (handset off or out of network),
 *   `TEXT_CARRIER_UNREACHABLE` (a temporary carrier error), `TEXT_TTL_EXPIRED`, and `TEXT_UNKNOWN`
 *   (which the service says may be either, so it never suppresses);
 * - sender — the text or the way it was sent, not the recipient: `TEXT_CARRIER_BLOCKED` and
 *   `TEXT_SPAM` (carrier filtering of the content or sender), `TEXT_INVALID_MESSAGE` (the body),
 *   `TEXT_PROTECT_BLOCKED` (our own protect configuration). Suppressing the customer would hide a
 *   problem operators must fix, so these are counted and logged only.
 * Transient and sender failures write nothing. There is no opted-out event type: End User
 * Messaging refuses a text to an opted-out number synchronously (`ConflictException`
 * `DESTINATION_PHONE_NUMBER_OPTED_OUT`), and STOP replies reach the consent ledger through the
 * inbound-SMS keywords.
 *
 * Replaying an event is harmless: a suppression keeps its earliest instant, and the same
 * revocation (same instant and source) is deduped by the consent ledger.
 */
import * as z from 'zod';
import { CustomerIdSchema, TopicSchema, TRANSACTIONAL, type Suppression } from '../customer/model';
import { isNoCustomerReplyTag } from '../sms-keywords/reply-tags';
import type { CustomerStore } from '../store/customer-store';
import type { ConsentEvent } from '../store/records';
import type { FeedbackOutcome } from './ses-events';
import { FeedbackEventFormatError } from './event-format-error';

/** What an SMS failure says about the recipient's number. */
export type SmsFailureClass = 'permanent' | 'transient' | 'sender';

/** Every failure event type of a text and what it means (see the module comment). */
export const SMS_FAILURE_CLASSES = {
  TEXT_INVALID: 'permanent',
  TEXT_BLOCKED: 'permanent',
  TEXT_UNREACHABLE: 'transient',
  TEXT_CARRIER_UNREACHABLE: 'transient',
  TEXT_TTL_EXPIRED: 'transient',
  TEXT_UNKNOWN: 'transient',
  TEXT_CARRIER_BLOCKED: 'sender',
  TEXT_SPAM: 'sender',
  TEXT_INVALID_MESSAGE: 'sender',
  TEXT_PROTECT_BLOCKED: 'sender',
} as const satisfies Record<string, SmsFailureClass>;

/** A failure event type of a text. */
export type SmsFailureEventType = keyof typeof SMS_FAILURE_CLASSES;

/** The event types the configuration set sends to the feedback function: every failure, nothing else. */
export const SMS_FAILURE_EVENT_TYPES = Object.keys(SMS_FAILURE_CLASSES) as SmsFailureEventType[];

/** The failure event types that suppress SMS. */
export type PermanentSmsFailure = {
  [Type in SmsFailureEventType]: (typeof SMS_FAILURE_CLASSES)[Type] extends 'permanent' ? Type : never;
}[SmsFailureEventType];

/** Suppression reasons this module writes, per permanent failure. */
export const SMS_SUPPRESSION_REASONS: Readonly<Record<PermanentSmsFailure, string>> = {
  TEXT_INVALID: 'sms_invalid_number',
  TEXT_BLOCKED: 'sms_blocked',
};

function isPermanent(eventType: SmsFailureEventType): eventType is PermanentSmsFailure {
  return SMS_FAILURE_CLASSES[eventType] === 'permanent';
}

/** The consent-ledger source of a revocation, naming the event type: `sms-event:TEXT_INVALID`. */
export function smsEventConsentSource(eventType: SmsFailureEventType): string {
  return `sms-event:${eventType}`;
}

/** An SMS event record that is not shaped as End User Messaging publishes it. Retrying cannot help. */
export class SmsEventFormatError extends FeedbackEventFormatError {
  constructor(fields: readonly string[], options?: { cause?: unknown }) {
    super('SMS', fields, options);
    this.name = 'SmsEventFormatError';
  }
}

function isFailureEventType(value: unknown): value is SmsFailureEventType {
  return typeof value === 'string' && Object.hasOwn(SMS_FAILURE_CLASSES, value);
}

/** The latest instant `Date` represents, so every accepted timestamp converts to ISO-8601. */
const MAX_EPOCH_MS = 8_640_000_000_000_000;

/**
 * The fields of a failure event Overture reads. Others (origination number, carrier, price) pass
 * through unread: a schema change there must not stop suppressions. The destination number is
 * read leniently for the same reason: without it the event is applied as before.
 */
const SmsFailureEventSchema = z.looseObject({
  eventType: z.enum(SMS_FAILURE_EVENT_TYPES as [SmsFailureEventType, ...SmsFailureEventType[]]),
  eventTimestamp: z.number().int().min(0).max(MAX_EPOCH_MS),
  messageId: z.string().min(1),
  destinationPhoneNumber: z.string().optional().catch(undefined),
  context: z.record(z.string(), z.string()).default({}),
});

/**
 * What an SMS failure event means for one customer. Every field but `destinationPhone` is an id or
 * a code; `destinationPhone` is a phone number, which is personal data: compare it, never log it
 * or put it in an error (log picked fields of this type, never the whole of it).
 */
export interface SmsFeedback {
  readonly kind: `sms_${SmsFailureClass}`;
  readonly eventType: SmsFailureEventType;
  readonly customerId: string;
  readonly topic?: string;
  /** When the service reported the failure. */
  readonly at: string;
  /** The End User Messaging message id (the send ledger's `providerMessageId`). */
  readonly messageId: string;
  /** The number the text went to (`destinationPhoneNumber`), when the event names one. Personal data. */
  readonly destinationPhone?: string;
}

/**
 * A failure of Overture's answer to an inbound text from a number no one customer holds (tagged
 * with a reply tag, lib/sms-keywords/reply-tags.ts): about a number, not a customer, so it writes
 * nothing, but it is still a failure of a text Overture sent — carrier filtering of the HELP
 * answer shows here — and is counted with the others.
 */
export interface SmsAnswerFailure {
  readonly kind: 'sms_answer_to_no_customer';
  readonly eventType: SmsFailureEventType;
  readonly at: string;
  readonly messageId: string;
}

/**
 * Reads one SMS event record. Undefined for event types that are not failures (deliveries, queued,
 * pending…) and for texts Overture did not send (no valid `customer_id` in `context`); an
 * {@link SmsAnswerFailure} for its answers to numbers no one customer holds.
 * @throws SmsEventFormatError naming the fields (never their values) of a malformed failure event.
 */
export function smsFeedbackOf(record: unknown): SmsFeedback | SmsAnswerFailure | undefined {
  const eventType = typeof record === 'object' && record !== null ? (record as { eventType?: unknown }).eventType : undefined;
  if (!isFailureEventType(eventType)) return undefined;
  const parsed = SmsFailureEventSchema.safeParse(record);
  if (!parsed.success) throw new SmsEventFormatError(parsed.error.issues.map((issue) => issue.path.join('.')), { cause: parsed.error });
  const event = parsed.data;
  const customerId = CustomerIdSchema.safeParse(event.context.customer_id);
  if (!customerId.success) return undefined;
  const at = new Date(event.eventTimestamp).toISOString();
  // An answer to an inbound text from a number that is no one customer's: nobody to suppress.
  if (isNoCustomerReplyTag(customerId.data)) return { kind: 'sms_answer_to_no_customer', eventType: event.eventType, at, messageId: event.messageId };
  const topic = TopicSchema.safeParse(event.context.topic);
  return {
    kind: `sms_${SMS_FAILURE_CLASSES[event.eventType]}`,
    eventType: event.eventType,
    customerId: customerId.data,
    ...(topic.success ? { topic: topic.data } : {}),
    at,
    messageId: event.messageId,
    ...(event.destinationPhoneNumber === undefined ? {} : { destinationPhone: event.destinationPhoneNumber.trim() }),
  };
}

const SnsEnvelopeSchema = z.object({
  Records: z.array(z.object({ Sns: z.object({ Message: z.string() }) })).min(1),
});

/**
 * The SMS event records of an SNS event (one per SNS record), parsed from the SNS messages.
 * @throws SmsEventFormatError when the envelope is not an SNS event or a message is not JSON.
 */
export function smsEventRecordsOfSns(event: unknown): unknown[] {
  const envelope = SnsEnvelopeSchema.safeParse(event);
  if (!envelope.success) {
    throw new SmsEventFormatError(envelope.error.issues.map((issue) => issue.path.join('.')), { cause: envelope.error });
  }
  return envelope.data.Records.map((record, index) => {
    try {
      return JSON.parse(record.Sns.Message) as unknown;
    } catch {
      // No cause: the parser's message quotes the event, which holds a number.
      throw new SmsEventFormatError([`Records.${index}.Sns.Message`]);
    }
  });
}

/** The records a piece of SMS feedback writes: for a permanent failure, a suppression of SMS and a revocation. */
export function smsFeedbackRecords(feedback: SmsFeedback): { readonly suppression?: Suppression; readonly consent?: ConsentEvent } {
  const { eventType } = feedback;
  if (!isPermanent(eventType)) return {};
  const suppression: Suppression = { channel: 'sms', reason: SMS_SUPPRESSION_REASONS[eventType], at: feedback.at };
  // Transactional texts need no consent, so there is none to withdraw; the suppression still stops them.
  if (feedback.topic === undefined || feedback.topic === TRANSACTIONAL) return { suppression };
  return {
    suppression,
    consent: {
      channel: 'sms',
      topic: feedback.topic,
      status: 'revoked',
      at: feedback.at,
      proof: { source: smsEventConsentSource(eventType), messageId: feedback.messageId },
    },
  };
}

/**
 * Whether the failed text went to the number the profile holds now: true when the profile holds
 * no phone, or the event names no number (nothing to tell them apart by: applied as before). Both
 * are E.164 (the profile's is validated so, End User Messaging reports E.164), so equal strings are
 * the same number.
 */
async function wentToCurrentNumber(store: CustomerStore, feedback: SmsFeedback): Promise<boolean> {
  if (feedback.destinationPhone === undefined) return true;
  const phone = (await store.getProfile(feedback.customerId))?.phone;
  return phone === undefined || phone === feedback.destinationPhone;
}

/**
 * Writes the records of `feedback`, but nothing when the text went to a number the profile no
 * longer holds (see the module comment). Needs `dynamodb:GetItem` (the profile, read only for a
 * permanent failure naming its number) and `dynamodb:PutItem` on the customer table, as
 * `applySesFeedback` does.
 */
export async function applySmsFeedback(store: CustomerStore, feedback: SmsFeedback): Promise<FeedbackOutcome> {
  const records = smsFeedbackRecords(feedback);
  if (records.suppression !== undefined && !(await wentToCurrentNumber(store, feedback))) return { suppression: 'other_address' };
  const suppression = records.suppression === undefined ? undefined : await store.addSuppression(feedback.customerId, records.suppression);
  const consent = records.consent === undefined ? undefined : await store.recordConsent(feedback.customerId, records.consent);
  return { ...(suppression === undefined ? {} : { suppression }), ...(consent === undefined ? {} : { consent }) };
}
