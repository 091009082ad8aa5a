/**
 * The customer model shared by the store, the permission gate, the send path and the simulator.
 *
 * One zod schema per record is both the runtime validator (at every edge: events, the store's
 * reads and writes, scenario files) and the TypeScript type.
 */
import * as z from '../schema/zod-mini';
import { isKnownTimeZone, isUtcOffset } from './time-zone';

/** Delivery channels, in the order of the default fallback ladder. */
export const CHANNELS = ['email', 'sms', 'mail'] as const;
export const ChannelSchema = z.enum(CHANNELS);
export type Channel = z.infer<typeof ChannelSchema>;

/** The topic of messages that need no marketing consent (receipts, password resets…). */
export const TRANSACTIONAL = 'transactional';

/** A consent topic: `marketing`, `newsletter`, `transactional`… lower-case words joined by `-` or `_`. */
export const TopicSchema = z
  .string()
  .check(z.regex(/^[a-z][a-z0-9_-]{0,62}$/, 'must be lower-case letters, digits, "-" or "_", starting with a letter'));
export type Topic = z.infer<typeof TopicSchema>;

/** Whether `topic` needs marketing consent, quiet hours, the preferred window and the cap. */
export function isMarketing(topic: Topic): boolean {
  return topic !== TRANSACTIONAL;
}

export const LIFECYCLE_STAGES = ['prospect', 'new_customer', 'active', 'loyal', 'lapsed'] as const;
export const LifecycleStageSchema = z.enum(LIFECYCLE_STAGES);
export type LifecycleStage = z.infer<typeof LifecycleStageSchema>;

/** Customer ids travel in execution names and logs, so they are opaque and free of personal data. */
export const CustomerIdSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be 1–64 letters, digits, "-" or "_"'));
export type CustomerId = z.infer<typeof CustomerIdSchema>;

/** An instant as an ISO-8601 string with an offset or `Z`, e.g. `2026-03-02T09:00:00Z`. */
export const InstantSchema = z.iso.datetime({ offset: true });
export type Instant = z.infer<typeof InstantSchema>;

/** An IANA time-zone name that this runtime knows, e.g. `America/New_York`; not a UTC offset (see isUtcOffset). */
export const TimeZoneSchema = z.string().check(
  z.refine((name) => isKnownTimeZone(name), {
    error: (issue) =>
      isUtcOffset(String(issue.input))
        ? `"${String(issue.input)}" is a UTC offset, not a time zone; use an IANA name such as "Asia/Kolkata"`
        : `unknown time zone "${String(issue.input)}"`,
  }),
);

/**
 * {@link TimeZoneSchema}'s check, refused without quoting what the field held: for what comes from
 * outside (an event, a form), whose field may hold anything — an address a sender mapped to the
 * wrong field — and whose reason is logged or sent back. The model's own message names the value,
 * which the simulator and the configuration show to whoever wrote it.
 */
export const InputTimeZoneSchema = z.string().check(z.refine(isKnownTimeZone, 'unknown time zone (an IANA name, e.g. "America/New_York", not a UTC offset)'));

/** A local time of day, `HH:MM` on a 24-hour clock. */
export const TimeOfDaySchema = z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day "HH:MM"'));
export type TimeOfDay = z.infer<typeof TimeOfDaySchema>;

/** The fields of a daily span of local time. */
export const DAILY_SPAN_FIELDS = { start: TimeOfDaySchema, end: TimeOfDaySchema };

/** A daily span's own check: a span from a time to the same time would be empty, or the whole day. */
export const DAILY_SPAN_BOUNDS_DIFFER = z.refine<{ start: string; end: string }>((span) => span.start !== span.end, { message: 'start and end must differ', path: ['end'] });

/** A daily span of local time; `end` before `start` wraps past midnight (21:00–08:00). */
export const DailySpanSchema = z.object(DAILY_SPAN_FIELDS).check(DAILY_SPAN_BOUNDS_DIFFER);
export type DailySpan = z.infer<typeof DailySpanSchema>;

/** Text that is not empty. */
export const NonEmptyTextSchema = z.string().check(z.minLength(1));

/**
 * A field of a postal address: trimmed, and refused when nothing is left. CRM exports write an
 * empty column as spaces, and a letter to an address of blank lines would be printed and paid for,
 * then lost: refusing it here refuses it at ingest, the consent API and the store, at its path.
 */
const AddressTextSchema = z.string().check(z.trim(), z.minLength(1, 'must not be blank'));

export const PostalAddressSchema = z.object({
  line1: AddressTextSchema,
  line2: z.optional(AddressTextSchema),
  city: AddressTextSchema,
  region: z.optional(AddressTextSchema),
  postalCode: AddressTextSchema,
  country: z.string().check(z.regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code')),
});
export type PostalAddress = z.infer<typeof PostalAddressSchema>;

/** E.164: `+` then 8 to 15 digits. */
export const PhoneSchema = z.string().check(z.regex(/^\+[1-9]\d{7,14}$/, 'must be an E.164 phone number such as +12125550143'));

export const ProfileSchema = z.object({
  customerId: CustomerIdSchema,
  stage: LifecycleStageSchema,
  timezone: TimeZoneSchema,
  email: z.optional(z.email()),
  phone: z.optional(PhoneSchema),
  address: z.optional(PostalAddressSchema),
  updatedAt: InstantSchema,
});
export type Profile = z.infer<typeof ProfileSchema>;

export const CONSENT_STATUSES = ['granted', 'revoked', 'pending'] as const;
export const ConsentStatusSchema = z.enum(CONSENT_STATUSES);
export type ConsentStatus = z.infer<typeof ConsentStatusSchema>;

/** A keyed digest of an address: base64url, as destinationDigest (lib/unsubscribe/token.ts) makes it. */
const DestinationDigestSchema = z.string().check(z.regex(/^[A-Za-z0-9_-]+$/), z.maxLength(64));

/** Where and how a consent was given or withdrawn, kept so it can be demonstrated later. */
export const ConsentProofSchema = z.object({
  source: NonEmptyTextSchema,
  ip: z.optional(NonEmptyTextSchema),
  userAgent: z.optional(NonEmptyTextSchema),
  formId: z.optional(NonEmptyTextSchema),
  messageId: z.optional(NonEmptyTextSchema),
  consentTextVersion: z.optional(NonEmptyTextSchema),
  /**
   * SMS: the number the event speaks for, E.164 — the number a request's confirmation text went
   * to, or the number a keyword came from. A pending SMS request is confirmed only by a YES from
   * it. Kept as the number, not a keyed hash of it: consent to texts is consent for one number, so
   * the proof must show which (a hash would need a key in every function that reads it, and a
   * rotated key would leave the proof unreadable); the customer's partition holds the number on
   * the profile anyway, and erasure removes the partition, ledger included.
   */
  phone: z.optional(PhoneSchema),
  /**
   * Email: the address a grant is for — the one a double opt-in's confirmation went to, or the one
   * an ingested event leaves on the profile (consent-address.ts). Kept as the address, as `phone`
   * is kept as the number and for the same reasons: the gate compares it with the profile's
   * without a key, and the ledger shows which address agreed.
   */
  email: z.optional(z.email()),
  /**
   * Email: the keyed digest of the address a request's confirmation email was sent to
   * (destinationDigest in lib/unsubscribe/token.ts, as a link's `destination` claim), never the
   * address itself. A pending email request counts as asked only while it is the digest of the
   * address on the profile: the link sent to another one confirms nothing (double-opt-in.ts).
   */
  destination: z.optional(DestinationDigestSchema),
});
export type ConsentProof = z.infer<typeof ConsentProofSchema>;

/** The current consent for one channel and topic: the latest event by `at`. */
export const ConsentStateSchema = z.object({
  channel: ChannelSchema,
  topic: TopicSchema,
  status: ConsentStatusSchema,
  at: InstantSchema,
  source: NonEmptyTextSchema,
  /**
   * SMS: the number of the event's proof (`proof.phone`), when it names one: the number a grant
   * is for, so that it permits no text to another (consent-number.ts).
   */
  phone: z.optional(PhoneSchema),
  /** Email: the address of the event's proof (`proof.email`): the address a grant is for (consent-address.ts). */
  email: z.optional(z.email()),
  /** Email: the digest of the address a pending request's confirmation went to (`proof.destination`), when it names one. */
  destination: z.optional(DestinationDigestSchema),
});
export type ConsentState = z.infer<typeof ConsentStateSchema>;

export const PreferencesSchema = z.object({
  /** Channels in the customer's order; a channel left out is not used for marketing. */
  channels: z.optional(
    z
      .array(ChannelSchema)
      .check(z.minLength(1), z.refine((list) => new Set(list).size === list.length, 'must not repeat a channel')),
  ),
  quietHours: z.optional(DailySpanSchema),
  preferredWindow: z.optional(DailySpanSchema),
  maxPerWeek: z.optional(z.int().check(z.gte(0), z.lte(100))),
});
export type Preferences = z.infer<typeof PreferencesSchema>;

export const SuppressionSchema = z.object({
  channel: ChannelSchema,
  reason: NonEmptyTextSchema,
  at: InstantSchema,
});
export type Suppression = z.infer<typeof SuppressionSchema>;

export const AttributeValueSchema = z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.null()]);
export type AttributeValue = z.infer<typeof AttributeValueSchema>;

/** Where a fact about the customer was learnt. */
export const TOUCHPOINTS = ['web', 'store', 'phone', 'mail', 'email', 'sms', 'app', 'import'] as const;
export const TouchpointSchema = z.enum(TOUCHPOINTS);
export type Touchpoint = z.infer<typeof TouchpointSchema>;

export const AttributeStateSchema = z.object({
  value: AttributeValueSchema,
  changedAt: InstantSchema,
  touchpoint: z.optional(TouchpointSchema),
  /** The value before the latest change; absent when the attribute was first set. */
  previous: z.optional(AttributeValueSchema),
});
export type AttributeState = z.infer<typeof AttributeStateSchema>;

/** One marketing message counted against the customer's weekly cap. */
export const CountedSendSchema = z.object({ key: NonEmptyTextSchema, at: InstantSchema });
export type CountedSend = z.infer<typeof CountedSendSchema>;

/**
 * The marketing sends of the last 7 days, with the version used for optimistic concurrency. The
 * version moves with every change of the sends and with every change of a consent state, a
 * suppression, the preferences, or the profile's time zone, email, phone or postal address (what
 * the gate and the message's destination read from it), so a send reserved on condition of the
 * version its gate read was decided on what still holds.
 */
export const FrequencySchema = z.object({
  sends: z.array(CountedSendSchema),
  version: z.int().check(z.gte(0)),
});
export type Frequency = z.infer<typeof FrequencySchema>;

/** Everything the permission gate and the send path need about one customer, read in one request. */
export const CustomerSnapshotSchema = z.object({
  profile: ProfileSchema,
  consents: z.array(ConsentStateSchema),
  preferences: PreferencesSchema,
  suppressions: z.array(SuppressionSchema),
  attributes: z.record(z.string(), AttributeStateSchema),
  frequency: FrequencySchema,
});
export type CustomerSnapshot = z.infer<typeof CustomerSnapshotSchema>;
