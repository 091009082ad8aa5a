/**
 * A message template compiled from its sources: which channels it has, and each part parsed once.
 *
 * The HTML part is parsed with the engine that escapes customer data once, the subject, text and
 * SMS parts with the one that escapes nothing (see `./liquid-engines`).
 */
import type { Liquid, Template as LiquidTemplate } from 'liquidjs';
import * as z from '../schema/zod-mini';
import type { Channel } from '../customer/model';
import { TemplateSyntaxError } from './errors';
import { htmlLiquid, renderLiquid, textLiquid } from './liquid-engines';
import { AttributeNameSchema, CUSTOMER_FIELDS, MESSAGE_VARIABLES, type PersonalizationData } from './personalization';

/** The parts a template can have; used in every error message. */
export const TEMPLATE_PARTS = ['email.subject', 'email.html', 'email.text', 'sms', 'mail.mergeFields'] as const;
export type TemplatePart = (typeof TEMPLATE_PARTS)[number];

/** A template id is its folder name: lower-case letters, digits and `-`, starting with a letter. */
export const TemplateIdSchema = z
  .string()
  .check(z.regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits or "-", starting with a letter'));

/** A merge field is a top-level link variable, a customer field, or else an attribute name. */
export const MergeFieldNameSchema = AttributeNameSchema;

const MergeFieldListSchema = z
  .array(MergeFieldNameSchema)
  .check(z.refine((names) => new Set(names).size === names.length, 'must not repeat a field'));

/** `mail.json`: which print template the vendor uses and which fields it merges in. */
export const MailTemplateSpecSchema = z
  .strictObject({
    printTemplate: z.string().check(z.minLength(1), z.maxLength(256)),
    /** Fields every letter needs; a customer without one gets no letter (the template is wrong for them). */
    mergeFields: MergeFieldListSchema,
    /** Fields merged in when the customer has them (a first name, a tier); the print template copes without. */
    optionalMergeFields: z._default(MergeFieldListSchema, []),
  })
  .check(
    z.refine((spec) => !spec.optionalMergeFields.some((name) => spec.mergeFields.includes(name)), {
      message: 'a field is either required or optional, not both',
      path: ['optionalMergeFields'],
    }),
  );
export type MailTemplateSpec = z.infer<typeof MailTemplateSpecSchema>;
/** `mail.json` as written: `optionalMergeFields` may be left out. */
export type MailTemplateSpecInput = z.input<typeof MailTemplateSpecSchema>;

/** One liquid part, parsed. */
export interface CompiledPart {
  readonly part: Exclude<TemplatePart, 'mail.mergeFields'>;
  readonly source: string;
  /** Whether outputs are HTML-escaped. */
  readonly escapesHtml: boolean;
  readonly parsed: LiquidTemplate[];
}

/** A template with the channels it supports: a channel is supported iff its part(s) exist. */
export interface MessageTemplate {
  readonly id: string;
  readonly email?: { readonly subject: CompiledPart; readonly html: CompiledPart; readonly text: CompiledPart };
  readonly sms?: CompiledPart;
  readonly mail?: MailTemplateSpec;
}

/** Template sources, as read from a template folder (or written inline, e.g. in a test or a scenario). */
export interface TemplateSources {
  readonly email?: { readonly subject: string; readonly html: string; readonly text: string };
  readonly sms?: string;
  readonly mail?: MailTemplateSpecInput;
}

function engineFor(escapesHtml: boolean): Liquid {
  return escapesHtml ? htmlLiquid : textLiquid;
}

function compilePart(templateId: string, part: CompiledPart['part'], source: string, escapesHtml: boolean): CompiledPart {
  try {
    return { part, source, escapesHtml, parsed: engineFor(escapesHtml).parse(source) };
  } catch (error) {
    throw new TemplateSyntaxError(templateId, part, { cause: error });
  }
}

/**
 * Parses a template's sources.
 *
 * @throws TemplateSyntaxError for a part that does not parse (including an unknown filter).
 */
export function compileTemplate(templateId: string, sources: TemplateSources): MessageTemplate {
  const id = TemplateIdSchema.parse(templateId);
  return {
    id,
    ...(sources.email === undefined
      ? {}
      : {
          email: {
            subject: compilePart(id, 'email.subject', sources.email.subject, false),
            html: compilePart(id, 'email.html', sources.email.html, true),
            text: compilePart(id, 'email.text', sources.email.text, false),
          },
        }),
    ...(sources.sms === undefined ? {} : { sms: compilePart(id, 'sms', sources.sms, false) }),
    ...(sources.mail === undefined ? {} : { mail: MailTemplateSpecSchema.parse(sources.mail) }),
  };
}

/** The channels `template` supports, in the default ladder order. */
export function channelsOfTemplate(template: MessageTemplate): Channel[] {
  const channels: Channel[] = [];
  if (template.email !== undefined) channels.push('email');
  if (template.sms !== undefined) channels.push('sms');
  if (template.mail !== undefined) channels.push('mail');
  return channels;
}

/** The liquid parts of `template`. */
export function liquidPartsOf(template: MessageTemplate): CompiledPart[] {
  const parts: CompiledPart[] = [];
  if (template.email !== undefined) parts.push(template.email.subject, template.email.html, template.email.text);
  if (template.sms !== undefined) parts.push(template.sms);
  return parts;
}

/**
 * Renders one part, dates in the customer's time zone (UTC when the data names none, so a part
 * renders the same on any host); the caller wraps errors with the template and part.
 */
export function renderPart(part: CompiledPart, data: PersonalizationData): string {
  return renderLiquid(engineFor(part.escapesHtml), part.parsed, data, data.customer.timezone ?? 'UTC');
}

/** The variables one part reads from its context, as liquidjs reports them (locals from `assign`/`for` excluded). */
export function globalVariablesOf(part: CompiledPart): ReturnType<Liquid['analyzeSync']>['globals'] {
  return engineFor(part.escapesHtml).analyzeSync(part.parsed, { partials: false }).globals;
}

/** Where a merge field's value comes from: a link or sender variable, a customer field, or an attribute. */
export type MergeFieldSource =
  | { readonly kind: 'message'; readonly name: (typeof MESSAGE_VARIABLES)[number] }
  | { readonly kind: 'customer'; readonly name: (typeof CUSTOMER_FIELDS)[number] }
  | { readonly kind: 'attribute'; readonly name: string };

/**
 * Resolves a merge field name: `unsubscribeUrl` and `preferencesUrl` are the links,
 * `senderPostalAddress` the sender's address, `id`, `stage`, `firstName` and `timezone` the
 * customer fields, and any other name the customer attribute of that name.
 */
export function mergeFieldSource(name: string): MergeFieldSource {
  const message = MESSAGE_VARIABLES.find((candidate) => candidate === name);
  if (message !== undefined) return { kind: 'message', name: message };
  const field = CUSTOMER_FIELDS.find((candidate) => candidate === name);
  if (field !== undefined) return { kind: 'customer', name: field };
  return { kind: 'attribute', name };
}
