/**
 * The inputs of every consent-API endpoint, validated at the edge. One zod schema per input is
 * the validator and the type; a failure becomes RequestValidationError naming the field.
 */
import * as z from 'zod';
import {
  ChannelSchema,
  CustomerIdSchema,
  DailySpanSchema,
  PhoneSchema,
  PostalAddressSchema,
  PreferencesSchema,
  TimeOfDaySchema,
  TimeZoneSchema,
  TopicSchema,
  TRANSACTIONAL,
  type Channel,
} from '../customer/model';
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
export function parseRequest<Schema extends z.ZodType>(schema: Schema, input: unknown): z.output<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new RequestValidationError(requestIssues(result.error), { cause: result.error });
}

/** The problems of a failed parse, one per zod issue, with fields as paths into the input. */
export function requestIssues(error: z.ZodError): RequestIssue[] {
  return error.issues.map((issue) => ({ field: fieldPath(issue.path) || '(root)', message: issue.message }));
}

const uniqueChannels = z
  .array(ChannelSchema)
  .min(1, 'must name at least one channel')
  .refine((list) => new Set(list).size === list.length, 'must not repeat a channel');

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

/** A consent topic a customer can choose on this deployment: one of `offers`. */
function offeredTopicSchema(offers: readonly TopicOffer[]) {
  return MarketingTopicSchema.check(
    z.refine((topic) => unofferedTopicProblem(topic, offers) === undefined, {
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

/**
 * `POST /consents` on a deployment offering `offers`: what the customer chose at the first
 * contact. `channels` is both the channels consented to and the preferred order; each channel ×
 * topic becomes one consent, so every topic must be one of `offers`.
 */
export function consentCaptureRequestSchema(offers: readonly TopicOffer[]) {
  return z
    .object({
      customerId: CustomerIdSchema,
      timezone: TimeZoneSchema,
      email: z.email().optional(),
      phone: z.optional(PhoneSchema),
      address: z.optional(PostalAddressSchema),
      channels: uniqueChannels,
      topics: z
        .array(offeredTopicSchema(offers))
        .min(1, 'must name at least one topic')
        .max(20)
        .refine((list) => new Set(list).size === list.length, 'must not repeat a topic'),
      preferredWindow: z.optional(DailySpanSchema),
      quietHours: z.optional(DailySpanSchema),
      maxPerWeek: PreferencesSchema.shape.maxPerWeek,
      proof: z
        .object({
          /** Where the consent was given: `web-form`, `checkout`, `store-tablet`… */
          source: z.string().min(1).max(100),
          /** The version of the consent text the customer saw. */
          consentTextVersion: z.string().min(1).max(100),
          formId: z.string().min(1).max(100).optional(),
        })
        .strict(),
    })
    .strict()
    .superRefine((request, context) => {
      for (const channel of request.channels) {
        const field = CONTACT_FIELD[channel];
        if (request[field] === undefined) {
          context.addIssue({ code: 'custom', path: [field], message: `is required for the ${channel} channel` });
        }
      }
    });
}
export type ConsentCaptureRequest = z.infer<ReturnType<typeof consentCaptureRequestSchema>>;

/** The query of every token-carrying route: `?token=…` (the preference centre adds `saved`). */
export const TokenQuerySchema = z.object({
  token: z.string({ error: 'is required' }).min(1, 'is required').max(1024, 'is too long'),
  saved: z.enum(['1', 'withdrawn']).optional(),
});

/** The RFC 8058 one-click body: `List-Unsubscribe=One-Click`. */
export const OneClickBodySchema = z.object({
  'List-Unsubscribe': z.literal('One-Click', { error: 'must be "One-Click"' }),
});

const optionalTime = z.union([z.literal(''), TimeOfDaySchema]).default('');
const channelChoice = z.union([z.literal(''), ChannelSchema]).default('');
/** A repeated form field arrives as a string (once) or an array (several times). */
const repeated = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]));

/**
 * `POST /preferences`: the preference-centre form, field names as in the HTML. Empty strings are
 * what a browser sends for an untouched field.
 */
export const PreferenceFormSchema = z
  .object({
    action: z.enum(['save', 'withdraw-all']).default('save'),
    channel1: channelChoice,
    channel2: channelChoice,
    channel3: channelChoice,
    /** One `<channel>:<topic>` per ticked box. */
    consent: repeated.pipe(
      z.array(z.string().regex(/^(email|sms|mail):[a-z][a-z0-9_-]{0,62}$/, 'must be "<channel>:<topic>"')).max(100),
    ),
    windowStart: optionalTime,
    windowEnd: optionalTime,
    quietStart: optionalTime,
    quietEnd: optionalTime,
    maxPerWeek: z
      .string()
      .default('')
      .refine((text) => text === '' || /^\d{1,3}$/.test(text), 'must be a whole number')
      .transform((text) => (text === '' ? undefined : Number(text)))
      .pipe(z.number().int().min(0).max(100, 'must be at most 100').optional()),
  })
  .superRefine((form, context) => {
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
  });
export type PreferenceForm = z.infer<typeof PreferenceFormSchema>;

/** The daily span of two form fields, or undefined when both are empty. */
export function spanOf(start: string, end: string): z.infer<typeof DailySpanSchema> | undefined {
  return start === '' || end === '' ? undefined : { start, end };
}
