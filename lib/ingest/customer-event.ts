/**
 * Customer events as they arrive on the Overture event bus, and their validation.
 *
 * An event is an EventBridge event whose `detail-type` is the event name (`order_placed`) and
 * whose `detail` names the customer by id and carries what was learnt: attributes, and for the
 * events that bring them, profile fields, consents and preferences. The ingest function never
 * logs a detail; execution input and names get the customer id and the entry key only.
 *
 * ```json
 * { "source": "shop.checkout", "detail-type": "order_placed", "time": "2026-03-02T10:00:00Z",
 *   "detail": { "customerId": "c-001", "eventId": "order-8812", "touchpoint": "web",
 *               "attributes": { "lastOrderValue": 42.5 } } }
 * ```
 */
import * as z from '../schema/zod-mini';
import {
  AttributeValueSchema,
  ChannelSchema,
  ConsentProofSchema,
  ConsentStatusSchema,
  CustomerIdSchema,
  InputTimeZoneSchema,
  InstantSchema,
  LifecycleStageSchema,
  TopicSchema,
  TouchpointSchema,
} from '../customer/model';
import { InputPostalAddressSchema, InputPreferencesSchema } from '../customer/input-model';
import { ValidPhoneSchema } from '../customer/valid-phone';
import type { Journey } from '../journeys/format';
import { EventNameSchema } from '../journeys/identifiers';
import { MAX_ATTRIBUTE_CHANGES } from '../store/customer-store';
import { eventsNamedBy } from './journey-routes';

/**
 * The customer event names the bus routes to the ingest function besides those the journeys
 * name (entry events, waits, goals): the lifecycle events every deployment receives.
 */
export const CUSTOMER_EVENT_TYPES = [
  'signed_up',
  'lead_captured',
  'order_placed',
  'cart_abandoned',
  'store_visit',
  'call_centre_contact',
  'profile_changed',
  'consent_changed',
] as const;
export type CustomerEventType = (typeof CUSTOMER_EVENT_TYPES)[number];

/**
 * Every event name the bus rule routes to the ingest function, sorted: the standard lifecycle
 * events and those the journeys name. An event of any other name never reaches ingest on AWS.
 */
export function routedEventNames(journeys: readonly Journey[]): string[] {
  return [...new Set<string>([...CUSTOMER_EVENT_TYPES, ...eventsNamedBy(journeys)])].sort();
}

/**
 * Why the bus would drop an event of this name, or `undefined` when it routes it to ingest.
 * `routed` is {@link routedEventNames}. The local ways in (`overture send-event`, the local
 * stack's control route) refuse such an event with this reason, since on AWS it never reaches ingest.
 */
export function unroutedEventReason(name: string, routed: readonly string[]): string | undefined {
  if (routed.includes(name)) return undefined;
  return `"${name}" is not an event the stack listens for; the bus routes: ${routed.join(', ')}`;
}

/** The touchpoint that each type of event implies. A Map: an event name is any text, `constructor` too. */
const DEFAULT_TOUCHPOINTS: ReadonlyMap<string, z.infer<typeof TouchpointSchema>> = new Map([
  ['store_visit', 'store'],
  ['call_centre_contact', 'phone'],
]);

/** Where an event named `name` was learnt when it does not say; undefined when its type implies none. */
export function defaultTouchpointOf(name: string): z.infer<typeof TouchpointSchema> | undefined {
  return DEFAULT_TOUCHPOINTS.get(name);
}

/**
 * A producer's id for the event (order number, form submission id…). It makes the entry key of
 * the journeys the event starts, so a producer that sends the same event twice starts nothing
 * twice; without it the EventBridge event id is used, which differs between two PutEvents calls.
 */
export const EventIdSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'must be 1–128 letters, digits, "_", ".", ":" or "-"'));

/** Profile fields an event may set; the rest of the profile stays as it is. */
export const ProfileFieldsSchema = z.strictObject({
  timezone: z.optional(InputTimeZoneSchema),
  stage: z.optional(LifecycleStageSchema),
  email: z.optional(z.email()),
  phone: z.optional(ValidPhoneSchema),
  address: z.optional(InputPostalAddressSchema),
});
export type ProfileFields = z.infer<typeof ProfileFieldsSchema>;

/**
 * How far ahead of the ingest's clock an event's time or a consent's `at` may be: five minutes.
 * The store orders what an event states by that time (attributes, `lastEvent.<name>` among them;
 * profile fields; preferences; consents), so a time in the future would outrank every change made
 * until then (a producer's clock set to 2099 would make it for ever). Producers' clocks drift, and
 * an event may be stamped on one machine and ingested on another, so a few seconds ahead are
 * normal; five minutes covers a badly kept clock and no more.
 */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * A consent's proof, refusing unknown fields like the rest of the event: a number sent in a
 * mistyped field (`phoneNumber`) would otherwise be dropped, and the grant tied to the profile's
 * number, or to none, which counts for any (lib/customer/consent-number.ts). The number it names
 * must be a real one, as the profile's must: a grant for a made-up number (`+19999999999`) could
 * never match a profile's, and would be kept as consent nobody can use.
 */
const ConsentChangeProofSchema = z.strictObject({ ...ConsentProofSchema.shape, phone: z.optional(ValidPhoneSchema) });

/** A consent given or withdrawn, with its proof; `at` defaults to the event's time. */
export const ConsentChangeSchema = z.strictObject({
  channel: ChannelSchema,
  topic: TopicSchema,
  status: ConsentStatusSchema,
  at: z.optional(InstantSchema),
  proof: ConsentChangeProofSchema,
});
export type ConsentChange = z.infer<typeof ConsentChangeSchema>;

/** Attribute names ingest keeps itself (see `lastEventAttribute`); events may not set them. */
const RESERVED_ATTRIBUTE_PREFIX = 'lastEvent.';

/** The `detail` of a customer event. */
export const CustomerEventDetailSchema = z.strictObject({
  customerId: CustomerIdSchema,
  eventId: z.optional(EventIdSchema),
  /** When it happened; defaults to the EventBridge event's `time`. */
  occurredAt: z.optional(InstantSchema),
  touchpoint: z.optional(TouchpointSchema),
  attributes: z.optional(
    z.record(z.string().check(z.minLength(1), z.maxLength(128)), AttributeValueSchema).check(
      // One name is taken by the event's own `lastEvent.<name>` attribute.
      z.refine((record) => Object.keys(record).length < MAX_ATTRIBUTE_CHANGES, `must hold at most ${MAX_ATTRIBUTE_CHANGES - 1} attributes`),
      z.superRefine((record, ctx) => {
        for (const name of Object.keys(record).filter((key) => key.startsWith(RESERVED_ATTRIBUTE_PREFIX))) {
          ctx.addIssue({ code: 'custom', path: [name], message: `is kept by the ingest function; "${RESERVED_ATTRIBUTE_PREFIX}" names are reserved` });
        }
      }),
    ),
  ),
  profile: z.optional(ProfileFieldsSchema),
  consents: z.optional(z.array(ConsentChangeSchema).check(z.minLength(1), z.maxLength(20))),
  preferences: z.optional(InputPreferencesSchema),
});
export type CustomerEventDetail = z.infer<typeof CustomerEventDetailSchema>;

/** The EventBridge envelope of a customer event (only the fields ingest reads). */
export const CustomerEventEnvelopeSchema = z.object({
  id: z.string().check(z.minLength(1)),
  'detail-type': EventNameSchema,
  source: z.string().check(z.minLength(1)),
  time: InstantSchema,
  detail: CustomerEventDetailSchema,
});

/** A validated customer event, with defaults filled in. */
export interface CustomerEvent {
  readonly name: string;
  readonly customerId: string;
  /** The producer's event id, or the EventBridge event id. */
  readonly eventId: string;
  /** When it happened, as `2026-03-02T10:00:00.000Z` whatever offset the producer used. */
  readonly occurredAt: string;
  readonly touchpoint?: z.infer<typeof TouchpointSchema>;
  readonly attributes: Readonly<Record<string, z.infer<typeof AttributeValueSchema>>>;
  readonly profile?: ProfileFields;
  readonly consents: readonly ConsentChange[];
  readonly preferences?: z.infer<typeof InputPreferencesSchema>;
}

/** The outcome of {@link parseCustomerEvent}. */
export type ParsedCustomerEvent =
  | { readonly valid: true; readonly event: CustomerEvent }
  /** `reason` names each bad field (`detail.customerId: …`), never a field's value; `issues` are the same, one by one. */
  | { readonly valid: false; readonly reason: string; readonly issues: readonly EventIssue[]; readonly customerId?: string };

/** One problem of an invalid event: where in the EventBridge event (`['detail', 'customerId']`), and what. */
export interface EventIssue {
  readonly path: readonly string[];
  readonly message: string;
}

/** The answer for an event with these problems. */
function invalid(issues: readonly EventIssue[], customerId: string | undefined): ParsedCustomerEvent {
  const reason = issues.map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`).join('; ');
  return { valid: false, reason, issues, customerId };
}

/** What {@link parseCustomerEvent} checks an event against. */
export interface CustomerEventChecks {
  /**
   * The ingest's clock, which no event's time and no consent's `at` may be more than five
   * minutes ahead of. The local stack passes its virtual clock, on which its events are dated.
   * @default the process's clock (the ingest function's)
   */
  readonly now?: Date;
}

/**
 * Validates an EventBridge event as a customer event. Rules beyond the schema: a
 * `consent_changed` carries consents; a `profile_changed` carries a profile, attributes or
 * preferences; neither the event's time (`occurredAt`, else `time`) nor a consent's `at` is more
 * than five minutes ahead of `checks.now`.
 */
export function parseCustomerEvent(input: unknown, checks: CustomerEventChecks = {}): ParsedCustomerEvent {
  const now = checks.now ?? new Date();
  if (Number.isNaN(now.getTime())) throw new RangeError('parseCustomerEvent: checks.now is not a valid date');
  const parsed = CustomerEventEnvelopeSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ path: issue.path.map(String), message: issue.message }));
    return invalid(issues, customerIdOf(input));
  }
  const { detail } = parsed.data;
  const name = parsed.data['detail-type'];
  if (name === 'consent_changed' && detail.consents === undefined) {
    return invalid([{ path: ['detail', 'consents'], message: 'a consent_changed event needs at least one consent' }], detail.customerId);
  }
  if (name === 'profile_changed' && !detail.profile && !detail.attributes && !detail.preferences) {
    return invalid([{ path: ['detail'], message: 'a profile_changed event needs profile, attributes or preferences' }], detail.customerId);
  }
  const aheadOfClock = timesAheadOfClock(parsed.data, now);
  if (aheadOfClock.length > 0) return invalid(aheadOfClock, detail.customerId);
  return {
    valid: true,
    event: {
      name,
      customerId: detail.customerId,
      eventId: detail.eventId ?? parsed.data.id,
      // One form (UTC, milliseconds) so stored instants compare as strings (the inactivity scan relies on it).
      occurredAt: new Date(detail.occurredAt ?? parsed.data.time).toISOString(),
      touchpoint: detail.touchpoint ?? defaultTouchpointOf(name),
      attributes: detail.attributes ?? {},
      profile: detail.profile,
      consents: detail.consents ?? [],
      preferences: detail.preferences,
    },
  };
}

/**
 * A problem for each time more than MAX_CLOCK_SKEW_MS ahead of `now`, at the field that states it:
 * the event's `occurredAt`, or else its `time`, and each consent's own `at`. Every event is checked,
 * not only those bringing profile fields, preferences or consents: each one writes its
 * `lastEvent.<name>` attribute at its time, which goals, waits and the inactivity scan read.
 */
function timesAheadOfClock(envelope: z.infer<typeof CustomerEventEnvelopeSchema>, now: Date): EventIssue[] {
  const latest = now.getTime() + MAX_CLOCK_SKEW_MS;
  const ahead = `is more than ${MAX_CLOCK_SKEW_MS / 60_000} minutes ahead of the ingest's clock`;
  const { detail } = envelope;
  const issues: EventIssue[] = [];
  if (Date.parse(detail.occurredAt ?? envelope.time) > latest) {
    issues.push({
      path: detail.occurredAt === undefined ? ['time'] : ['detail', 'occurredAt'],
      message: `${ahead}; it dates the event's attributes (lastEvent.<name> among them), profile fields, preferences and the consents that carry no "at", which would outrank every change made before then`,
    });
  }
  (detail.consents ?? []).forEach((consent, index) => {
    if (consent.at !== undefined && Date.parse(consent.at) > latest) {
      issues.push({ path: ['detail', 'consents', String(index), 'at'], message: `${ahead}; a consent stated in the future would outrank every withdrawal made before then` });
    }
  });
  return issues;
}

/** The customer id of a rejected event, when it has a valid one (for the dead-letter message). */
function customerIdOf(input: unknown): string | undefined {
  const shape = z.object({ detail: z.object({ customerId: CustomerIdSchema }) }).safeParse(input);
  return shape.success ? shape.data.detail.customerId : undefined;
}
