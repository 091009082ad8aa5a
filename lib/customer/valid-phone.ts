/**
 * The phone number a profile takes in: E.164 and a real number of its country.
 *
 * The stored model's `PhoneSchema` (model.ts) checks the form only, so that a record written before
 * numbers were checked still reads. Where a number comes in — an event's profile fields, the
 * consent API, a scenario — it must also be a number a text can reach: a made-up one
 * (`+19999999999`) is refused there with a message naming the field, and the gate treats one
 * already stored as no number at all.
 */
import { isE164PhoneNumber } from '../channels/phone-number';
import * as z from '../schema/zod-mini';

/** A valid phone number in E.164 form; the message never quotes the value (it is personal data). */
export const ValidPhoneSchema = z
  .string()
  .check(z.refine(isE164PhoneNumber, 'must be a valid phone number in E.164 form, such as +12125550143'));
