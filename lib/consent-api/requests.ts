/**
 * The inputs of every consent-API endpoint, validated at the edge. One zod schema per input is
 * the validator and the type; a failure becomes RequestValidationError naming the field.
 *
 * The schemas are zod/mini (lib/schema/zod-mini.ts): a person waits behind this function's cold
 * start, and one classic schema would bring the whole classic API into its bundle. A failure's
 * cause is therefore zod core's `$ZodError`; only its issues are read, and a 400 is never logged.
 */
import {
  ChannelSchema,
  CustomerIdSchema,
  DailySpanSchema,
  InputTimeZoneSchema,
  PostalAddressSchema,
  PreferencesSchema,
  TimeOfDaySchema,
  TopicSchema,
  TRANSACTIONAL,
  type Channel,
} from '../customer/model';
import { ValidPhoneSchema } from '../customer/valid-phone';
import * as z from '../schema/zod-mini';
import { MAX_NEW_CUSTOMER_CONSENTS } from '../store/customer-store';
import type { TopicOffer } from './dependencies';
import { RequestValidationError, type RequestIssue } from './errors';

/** `channels[1]`, `proof.source`: dots for keys, brackets for indexes. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, part) => {
    if (typeof part === 'number') return `${text}[${part}]`;
    return text === '' ? String(part) : `${text}.${String(part)}`;
  }, '');
}

/**
 * Parses `input` with `schema`, or throws RequestValidationError whose fields are paths into the
 * input (`(root)` for the input itself).
 */
export function parseRequest<Schema extends z.core.$ZodType>(schema: Schema, input: unknown): z.output<Schema> {
  const result = z.safeParse(schema, input);
  if (result.success) return result.data;
  throw new RequestValidationError(requestIssues(result.error), { cause: result.error });
}

/** The problems of a failed parse, one per zod issue, with fields as paths into the input. */
export function requestIssues(error: z.core.$ZodError): RequestIssue[] {
  return error.issues.map((issue) => ({ field: fieldPath(issue.path) || '(root)', message: issue.message }));
}

const uniqueChannels = z
  .array(ChannelSchema)
  .check(
    z.minLength(1, 'must name at least one channel'),
    z.refine((list) => new Set(list).size === list.length, 'must not repeat a channel'),
  );

/** A consent topic a customer can choose: anything but `transactional`, which needs no consent. */
export const MarketingTopicSchema = TopicSchema.check(
  z.refine((topic) => topic !== TRANSACTIONAL, { message: `"${TRANSACTIONAL}" needs no consent`, abort: true }),
);

/**
 * Why `topic` cannot be consented to here, or undefined when `offers` include it. A consent for a
 * topic no offer configures is one the customer was never asked about, and accepting it would let
 * anyone fill a record with made-up topics. The message names the topic: topics are names of a
 * narrow form (TopicSchema) chosen by the deployment, not customer data.
 */
export function unofferedTopicProblem(topic: string, offers: readonly TopicOffer[]): string | undefined {
  if (offers.some((offer) => offer.topic === topic)) return undefined;
  return `"${topic}" is not a topic offered here; the topics are: ${offers.map((offer) => offer.topic).join(', ')}`;
}

/**
 * A consent topic a customer can choose on this deployment: one of `offers`. A value that is not
 * of a topic's form already has its issue from TopicSchema, and is not judged (nor quoted) again:
 * it may be anything a form was sent, an address say.
 */
function offeredTopicSchema(offers: readonly TopicOffer[]) {
  return MarketingTopicSchema.check(
    z.refine((topic) => !TopicSchema.safeParse(topic).success || unofferedTopicProblem(topic, offers) === undefined, {
      error: (issue) => unofferedTopicProblem(String(issue.input), offers),
    }),
  );
}

/** The contact point each channel needs, and the request field that carries it. */
export const CONTACT_FIELD: Readonly<Record<Channel, 'email' | 'phone' | 'address'>> = {
  email: 'email',
  sms: 'phone',
  mail: 'address',
};

/** A proof field: a short label chosen by the form that collected the consent. */
const proofText = z.string().check(z.minLength(1), z.maxLength(100));

/**
 * `POST /consents` on a deployment offering `offers`: what the customer chose at the first
 * contact. `channels` is both the channels consented to and the preferred order; each channel ×
 * topic becomes one consent, so every topic must be one of `offers`.
 */
export function consentCaptureRequestSchema(offers: readonly TopicOffer[]) {
  return z
    .strictObject({
      customerId: CustomerIdSchema,
      timezone: InputTimeZoneSchema,
      email: z.optional(z.email()),
      phone: z.optional(ValidPhoneSchema),
      address: z.optional(PostalAddressSchema),
      channels: uniqueChannels,
      topics: z
        .array(offeredTopicSchema(offers))
        .check(
          z.minLength(1, 'must name at least one topic'),
          z.maxLength(20),
          z.refine((list) => new Set(list).size === list.length, 'must not repeat a topic'),
        ),
      preferredWindow: z.optional(DailySpanSchema),
      quietHours: z.optional(DailySpanSchema),
      maxPerWeek: PreferencesSchema.shape.maxPerWeek,
      proof: z.strictObject({
        /** Where the consent was given: `web-form`, `checkout`, `store-tablet`… */
        source: proofText,
        /** The version of the consent text the customer saw. */
        consentTextVersion: proofText,
        formId: z.optional(proofText),
      }),
    })
    .check(
      z.superRefine((request, context) => {
        for (const channel of request.channels) {
          const field = CONTACT_FIELD[channel];
          if (request[field] === undefined) {
            context.addIssue({ code: 'custom', path: [field], message: `is required for the ${channel} channel` });
          }
        }
        // A new customer is written in one transaction (CustomerStore.createCustomer), so that a
        // capture cut short leaves nothing half-written: each channel × topic is one consent of it.
        if (request.channels.length * request.topics.length > MAX_NEW_CUSTOMER_CONSENTS) {
          context.addIssue({ code: 'custom', path: ['topics'], message: `must make at most ${MAX_NEW_CUSTOMER_CONSENTS} consents with the channels (channels × topics)` });
        }
      }),
    );
}
export type ConsentCaptureRequest = z.infer<ReturnType<typeof consentCaptureRequestSchema>>;

/**
 * The query of every token-carrying route: `?token=…`. The preference centre adds, after a save,
 * `saved` and what became of its parts: `preferences=kept_newer` (newer preferences stayed),
 * `email` and `sms`, the confirmation sent or not (preference-centre.ts PreferenceChangeOutcome).
 */
export const TokenQuerySchema = z.object({
  token: z.string({ error: 'is required' }).check(z.minLength(1, 'is required'), z.maxLength(1024, 'is too long')),
  saved: z.optional(z.enum(['1', 'withdrawn'])),
  preferences: z.optional(z.enum(['kept_newer'])),
  email: z.optional(z.enum(['sent', 'not_sent', 'limit_reached'])),
  sms: z.optional(z.enum(['sent', 'sent_recently', 'not_sent', 'limit_reached', 'no_number'])),
});
export type TokenQuery = z.infer<typeof TokenQuerySchema>;

/** The RFC 8058 one-click body: `List-Unsubscribe=One-Click`. */
export const OneClickBodySchema = z.object({
  'List-Unsubscribe': z.literal('One-Click', { error: 'must be "One-Click"' }),
});

const optionalTime = z._default(z.union([z.literal(''), TimeOfDaySchema]), '');
const channelChoice = z._default(z.union([z.literal(''), ChannelSchema]), '');
/** A repeated form field arrives as a string (once) or an array (several times). */
const repeated = z.pipe(
  z.optional(z.union([z.string(), z.array(z.string())])),
  z.transform((value: string | string[] | undefined) => (value === undefined ? [] : Array.isArray(value) ? value : [value])),
);

/**
 * `POST /preferences`: the preference-centre form, field names as in the HTML. Empty strings are
 * what a browser sends for an untouched field.
 */
export const PreferenceFormSchema = z
  .object({
    action: z._default(z.enum(['save', 'withdraw-all']), 'save'),
    channel1: channelChoice,
    channel2: channelChoice,
    channel3: channelChoice,
    /** One `<channel>:<topic>` per ticked box. */
    consent: z.pipe(
      repeated,
      z
        .array(z.string().check(z.regex(/^(email|sms|mail):[a-z][a-z0-9_-]{0,62}$/, 'must be "<channel>:<topic>"')))
        .check(z.maxLength(100)),
    ),
    windowStart: optionalTime,
    windowEnd: optionalTime,
    quietStart: optionalTime,
    quietEnd: optionalTime,
    maxPerWeek: z.pipe(
      z.pipe(
        z._default(z.string(), '').check(z.refine((text) => text === '' || /^\d{1,3}$/.test(text), 'must be a whole number')),
        z.transform((text: string) => (text === '' ? undefined : Number(text))),
      ),
      z.optional(z.number().check(z.int(), z.gte(0), z.lte(100, 'must be at most 100'))),
    ),
  })
  .check(
    z.superRefine((form, context) => {
      if (form.action !== 'save') return;
      const chosen = [form.channel1, form.channel2, form.channel3].filter((channel) => channel !== '');
      if (chosen.length === 0) {
        context.addIssue({ code: 'custom', path: ['channel1'], message: 'choose at least one channel' });
      }
      (['channel2', 'channel3'] as const).forEach((field, index) => {
        const value = form[field];
        const earlier = [form.channel1, form.channel2].slice(0, index + 1);
        if (value !== '' && earlier.includes(value)) {
          context.addIssue({ code: 'custom', path: [field], message: 'must not repeat a channel chosen above' });
        }
      });
      for (const [start, end] of [
        ['windowStart', 'windowEnd'],
        ['quietStart', 'quietEnd'],
      ] as const) {
        if ((form[start] === '') !== (form[end] === '')) {
          const missing = form[start] === '' ? start : end;
          context.addIssue({ code: 'custom', path: [missing], message: 'give both a start and an end, or neither' });
        } else if (form[start] !== '' && form[start] === form[end]) {
          context.addIssue({ code: 'custom', path: [end], message: 'must differ from the start' });
        }
      }
    }),
  );
export type PreferenceForm = z.infer<typeof PreferenceFormSchema>;

/** The daily span of two form fields, or undefined when both are empty. */
export function spanOf(start: string, end: string): z.infer<typeof DailySpanSchema> | undefined {
  return start === '' || end === '' ? undefined : { start, end };
}
