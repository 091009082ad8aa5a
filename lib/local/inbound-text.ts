/**
 * A text from a customer's phone to the local stack (`overture receive-sms`, `POST
 * /_overture/sms`): the number it comes from and what it says. The CLI checks it before it goes
 * anywhere and the control route checks it again, with the same schema, so both refuse the same
 * things in the same words. Messages name the field, never its value: it is a phone number.
 */
import * as z from 'zod';
import { MAX_SMS_LENGTH } from '../channels/sms';
import { PhoneSchema } from '../customer/model';

/** `{ from, text }`: an E.164 number, and a text of 1 to 1,600 characters (a concatenated SMS at most). */
export const InboundTextSchema = z.strictObject({
  from: PhoneSchema,
  text: z.string().min(1, 'must not be empty').max(MAX_SMS_LENGTH, `must be at most ${MAX_SMS_LENGTH} characters, as an SMS is`),
});
export type InboundText = z.infer<typeof InboundTextSchema>;
