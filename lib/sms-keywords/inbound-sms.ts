/**
 * An inbound text as AWS End User Messaging SMS two-way messaging publishes it to SNS: the SNS
 * message is this JSON document.
 */
import * as z from 'zod';

export const InboundSmsSchema = z.looseObject({
  /** The customer's number, E.164. */
  originationNumber: z.string().regex(/^\+[1-9]\d{7,14}$/, 'must be an E.164 phone number'),
  /** Our number that received the text. */
  destinationNumber: z.string().min(1),
  /** The keyword End User Messaging matched, if any; we match the body ourselves. */
  messageKeyword: z.string().optional(),
  messageBody: z.string(),
  /** Unique per inbound text; recorded as the proof's message id. */
  inboundMessageId: z.string().min(1),
  /** The id of the last message we sent to this number, if any. */
  previousPublishedMessageId: z.string().optional(),
});
export type InboundSms = z.infer<typeof InboundSmsSchema>;
