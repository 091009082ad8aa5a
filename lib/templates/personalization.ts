/**
 * The data a template may use, and how it is built from a customer snapshot.
 *
 * Variables a template can use (liquid paths):
 *
 * | Variable                        | Type                               | Always present? |
 * |---------------------------------|------------------------------------|-----------------|
 * | `customer.id`                   | string, the opaque customer id     | yes             |
 * | `customer.stage`                | `prospect` `new_customer` `active` `loyal` `lapsed` | yes |
 * | `customer.firstName`            | string (from the `firstName` attribute) | no          |
 * | `customer.timezone`             | IANA time zone of the profile, e.g. `America/New_York` | yes |
 * | `customer.attributes.<name>`    | string, number, boolean or list of strings | no      |
 * | `unsubscribeUrl`                | signed one-click unsubscribe URL   | yes             |
 * | `preferencesUrl`                | signed preference-centre URL       | yes             |
 * | `senderPostalAddress`           | the sender's postal address (deployment setting `overture:senderPostalAddress`), may hold line breaks | yes |
 *
 * Anything else is refused when the template is validated. A variable that may be absent for a
 * given customer makes rendering throw (never a blank) unless the template handles it explicitly:
 * `{% if customer.firstName %}…{% endif %}` or `{{ customer.firstName | default: "there" }}`.
 * A marketing email prints `senderPostalAddress` in both parts (journey validation requires it);
 * the HTML part as `{{ senderPostalAddress | newline_to_br }}`, which escapes it and keeps its lines.
 * Texts support `.size` and `.length`; attributes, which may be lists, also `.first`, `.last` and
 * indexes. Attributes that would print a blank — null, text of spaces only, a list without a
 * non-blank item — are left out, so they count as absent rather than rendering blank (liquid holds every text and list true in `{% if %}`, and
 * `default` only replaces an empty one); a list keeps only its non-blank items. Customer text
 * loses its bidi overrides, embeddings and isolates, which would reorder the text around it.
 *
 * In a text (SMS), customer values are written in GSM-7 and a first name that would take the text
 * past one segment is left out (see `./sms-text` and `renderSms`).
 *
 * The `date` filter prints an instant in `customer.timezone` (`{{ customer.attributes.offerEndsAt
 * | date: "%A %B %-d at %-I:%M %p" }}`), the same on any host; a calendar date (`2026-03-01`) or a
 * local time without an offset prints as written.
 */
import * as z from '../schema/zod-mini';
import {
  CustomerIdSchema,
  LifecycleStageSchema,
  NonEmptyTextSchema,
  TimeZoneSchema,
  type AttributeValue,
  type CustomerSnapshot,
} from '../customer/model';

/** An attribute name usable in a template path and as a mail merge field. */
export const AttributeNameSchema = z
  .string()
  .check(z.regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must be a letter then up to 63 letters, digits or "_"'));

/** A value a template can print: never null, never an empty string. */
export const PersonalizationValueSchema = z.union([NonEmptyTextSchema, z.number(), z.boolean(), z.array(z.string())]);
export type PersonalizationValue = z.infer<typeof PersonalizationValueSchema>;

export const PersonalizationDataSchema = z.strictObject({
  customer: z.strictObject({
    id: CustomerIdSchema,
    stage: LifecycleStageSchema,
    firstName: z.optional(NonEmptyTextSchema),
    /** Where dates print; data built by {@link personalizationFor} always has it, UTC when absent. */
    timezone: z.optional(TimeZoneSchema),
    attributes: z.record(AttributeNameSchema, PersonalizationValueSchema),
  }),
  unsubscribeUrl: z.url(),
  preferencesUrl: z.url(),
  senderPostalAddress: NonEmptyTextSchema,
});
/** What templates render with. */
export type PersonalizationData = z.infer<typeof PersonalizationDataSchema>;

/** The customer fields other than `attributes`, as template paths see them. */
export const CUSTOMER_FIELDS = ['id', 'stage', 'firstName', 'timezone'] as const;
/** The signed links, top-level variables. */
const LINK_VARIABLES = ['unsubscribeUrl', 'preferencesUrl'] as const;
/** The sender's details from the deployment's settings, top-level variables. */
const SENDER_VARIABLES = ['senderPostalAddress'] as const;
/** Every top-level text variable other than `customer`. */
export const MESSAGE_VARIABLES = [...LINK_VARIABLES, ...SENDER_VARIABLES] as const;

/** What the deployment says about the sender, which every message may print. */
export interface SenderDetails {
  /** The sender's physical postal address; may hold line breaks. */
  readonly senderPostalAddress: string;
}

/** The attribute whose value becomes `customer.firstName`. */
export const FIRST_NAME_ATTRIBUTE = 'firstName';

/**
 * The bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069). One in a
 * name is never part of the name: an unterminated right-to-left override reverses everything
 * printed after it, the rest of the subject and body included.
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/gu;

/** `text` without bidi controls, so a customer's value cannot reorder the template around it. */
function withoutBidiControls(text: string): string {
  return text.replace(BIDI_CONTROLS, '');
}

/**
 * `value` as a template may print it, or undefined when it would print a blank: null, text of
 * spaces only, and a list without an item that is not (its blank items are left out too). Text
 * loses its bidi controls first (see {@link BIDI_CONTROLS}), in every part the value is printed in.
 */
function printableValue(value: AttributeValue): PersonalizationValue | undefined {
  if (value === null) return undefined;
  if (typeof value === 'string') {
    const text = withoutBidiControls(value);
    return isBlank(text) ? undefined : text;
  }
  if (Array.isArray(value)) {
    const items = value.map(withoutBidiControls).filter((item) => !isBlank(item));
    return items.length === 0 ? undefined : items;
  }
  return value;
}

function isBlank(text: string): boolean {
  return text.trim() === '';
}

/**
 * Builds the personalization data for one message from the customer snapshot the send function
 * read, the signed links for that message (`messageLinks` in `lib/unsubscribe`) and the sender's
 * details. Attributes whose names cannot be template paths are left out.
 */
export function personalizationFor(
  snapshot: CustomerSnapshot,
  links: { readonly unsubscribeUrl: string; readonly preferencesUrl: string },
  sender: SenderDetails,
): PersonalizationData {
  const attributes: Record<string, PersonalizationValue> = {};
  for (const [name, state] of Object.entries(snapshot.attributes)) {
    const value = printableValue(state.value);
    if (AttributeNameSchema.safeParse(name).success && value !== undefined) attributes[name] = value;
  }
  const firstName = attributes[FIRST_NAME_ATTRIBUTE];
  return {
    customer: {
      id: snapshot.profile.customerId,
      stage: snapshot.profile.stage,
      ...(typeof firstName === 'string' ? { firstName } : {}),
      timezone: snapshot.profile.timezone,
      attributes,
    },
    unsubscribeUrl: links.unsubscribeUrl,
    preferencesUrl: links.preferencesUrl,
    senderPostalAddress: sender.senderPostalAddress,
  };
}
