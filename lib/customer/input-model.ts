/**
 * The customer model's objects as they come in from outside — a customer event's detail, a
 * simulation scenario — refusing unknown fields at their path. A lenient object drops a field it
 * does not know without a word: a mistyped `lin2` loses an address line, and a `quiethours` in
 * preferences, which replace the stored ones whole, wipes the customer's quiet hours. The model's
 * own schemas (model.ts) stay lenient: the store reads items written by other versions with them.
 *
 * An unknown field's issue names the key, never its value, which may be personal data.
 */
import * as z from '../schema/zod-mini';
import { DAILY_SPAN_BOUNDS_DIFFER, DAILY_SPAN_FIELDS, PostalAddressSchema, PreferencesSchema } from './model';

/** A daily span of local time (model.ts's DailySpanSchema), refusing unknown fields. */
export const InputDailySpanSchema = z.strictObject(DAILY_SPAN_FIELDS).check(DAILY_SPAN_BOUNDS_DIFFER);

/** A postal address (model.ts's PostalAddressSchema), refusing unknown fields. */
export const InputPostalAddressSchema = z.strictObject(PostalAddressSchema.shape);

/** Preferences (model.ts's PreferencesSchema), refusing unknown fields, in their daily spans too. */
export const InputPreferencesSchema = z.strictObject({
  ...PreferencesSchema.shape,
  quietHours: z.optional(InputDailySpanSchema),
  preferredWindow: z.optional(InputDailySpanSchema),
});
