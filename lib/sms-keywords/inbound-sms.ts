/**
 * An inbound text as AWS End User Messaging SMS two-way messaging publishes it to SNS: the SNS
 * message is this JSON document.
 */
import * as z from '../schema/zod-mini';

export const InboundSmsSchema = z.looseObject({
  /** The customer's number, E.164. */
  originationNumber: z.string().check(z.regex(/^\+[1-9]\d{7,14}$/, 'must be an E.164 phone number')),
  /** Our number that received the text. */
  destinationNumber: z.string().check(z.minLength(1)),
  /** The keyword End User Messaging matched, if any; we match the body ourselves. */
  messageKeyword: z.optional(z.string()),
  messageBody: z.string(),
  /** Unique per inbound text; recorded as the proof's message id. */
  inboundMessageId: z.string().check(z.minLength(1)),
  /** The id of the last message we sent to this number, if any. */
  previousPublishedMessageId: z.optional(z.string()),
});
export type InboundSms = z.infer<typeof InboundSmsSchema>;
