/**
 * The phone number a profile takes in: E.164 and a real number of its country.
 *
 * The stored model's `PhoneSchema` (model.ts) checks the form only, so that a record written before
 * numbers were checked still reads. Where a number comes in from a producer or a person — an
 * event's profile fields, the consent API — it must also be a number a text can reach: a made-up
 * one (`+19999999999`) is refused there with a message naming the field, instead of being stored
 * for every later text to fail on (`message_invalid`). A simulation scenario keeps the contract's
 * form-only rule: any number in E.164 form is a number.
 */
import { isE164PhoneNumber } from '../channels/phone-number';
import * as z from '../schema/zod-mini';

/** A valid phone number in E.164 form; the message never quotes the value (it is personal data). */
export const ValidPhoneSchema = z
  .string()
  .check(z.refine(isE164PhoneNumber, 'must be a valid phone number in E.164 form, such as +12125550143'));
