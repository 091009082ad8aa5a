/**
 * A message template compiled from its sources: which channels it has, and each part parsed once.
 *
 * The HTML part is parsed with the engine that escapes customer data once, the subject, text and
 * SMS parts with the one that escapes nothing (see `./liquid-engines`).
 */
import {
  AssignTag,
  CaptureTag,
  DecrementTag,
  ForTag,
  IncrementTag,
  TablerowTag,
  toValueSync,
  TypeGuards,
  Value,
  type Arguments,
  type Liquid,
  type Template as LiquidTemplate,
  type Token,
  type ValueToken,
  type Variable,
  type VariableSegments,
} from 'liquidjs';
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

/**
 * What a local variable holds, as far as the template's source shows it:
 * - `alias`: `{% assign x = <path> %}` with no filter, so `x` is the value at `of`, a path from
 *   the context (an assign of another local's path is followed to its source);
 * - `item`: the variable of a `for` or `tablerow` over the value at `of`;
 * - `captured`: what a `{% capture %}` rendered;
 * - `text`, `number`: an assigned literal, an item of a quoted text, a range, a counter
 *   (`increment`, `decrement`);
 * - `loop`: `forloop` or `tablerowloop`;
 * - `unknown`: anything else, such as an assign through filters, whose result the source does not
 *   tell.
 */
export type LocalBinding =
  | { readonly kind: 'alias'; readonly of: VariableSegments }
  | { readonly kind: 'item'; readonly of: VariableSegments }
  | { readonly kind: 'captured' | 'text' | 'number' | 'unknown' }
  | { readonly kind: 'loop'; readonly tag: 'for' | 'tablerow' };

/** One read of a local variable, with what it was bound to where it is read. */
export interface LocalVariableUse {
  readonly variable: Variable;
  readonly binding: LocalBinding;
}

const UNKNOWN: LocalBinding = { kind: 'unknown' };

/** Scopes as liquid keeps them: `assign`, `capture` and counters write the bottom one, blocks push theirs. */
class LocalScopes {
  private readonly stack: Array<Map<string, LocalBinding>> = [new Map()];
  get(name: string): LocalBinding | undefined {
    for (let index = this.stack.length - 1; index >= 0; index -= 1) {
      const binding = this.stack[index]?.get(name);
      if (binding !== undefined) return binding;
    }
    return undefined;
  }
  assign(name: string, binding: LocalBinding): void {
    this.stack[0]?.set(name, binding);
  }
  push(bindings: Map<string, LocalBinding>): void {
    this.stack.push(bindings);
  }
  pop(): void {
    this.stack.pop();
  }
}

/**
 * The binding of a value that is the path `segments`: an alias of a context path, followed
 * through a local alias; a local's own binding when the path is that local; unknown otherwise.
 */
function bindingOfPath(segments: VariableSegments, scopes: LocalScopes): LocalBinding {
  const [root, ...rest] = segments;
  if (typeof root !== 'string') return UNKNOWN;
  const local = scopes.get(root);
  if (local === undefined) return { kind: 'alias', of: segments };
  if (local.kind === 'alias') return { kind: 'alias', of: [...local.of, ...rest] };
  return rest.length === 0 ? local : UNKNOWN;
}

/** The variables liquid's analysis finds in `args`, arguments of `template`, without its children. */
function variablesIn(engine: Liquid, template: LiquidTemplate, args: () => Arguments): Variable[] {
  const argumentsOnly: LiquidTemplate = { token: template.token, render: () => undefined, arguments: args };
  return Object.values(engine.analyzeSync([argumentsOnly], { partials: false }).variables).flat();
}

/**
 * The variable an argument of `template` is when it is a bare path (the first one liquid's
 * analysis finds in it: a path starts before the lookups nested in it).
 */
function pathOf(engine: Liquid, template: LiquidTemplate, token: Token): Variable | undefined {
  if (!TypeGuards.isPropertyAccessToken(token)) return undefined;
  const found = variablesIn(engine, template, () => [token]);
  found.sort((a, b) => a.location.row - b.location.row || a.location.col - b.location.col);
  return found[0];
}

/** What `{% assign %}` binds: a bare path or a literal; unknown through filters. */
function bindingOfAssigned(engine: Liquid, template: LiquidTemplate, scopes: LocalScopes): LocalBinding {
  const [value] = template.arguments?.() ?? [];
  if (!(value instanceof Value) || value.filters.length > 0 || value.initial.postfix.length !== 1) return UNKNOWN;
  const [token] = value.initial.postfix;
  if (token === undefined) return UNKNOWN;
  if (TypeGuards.isQuotedToken(token)) return { kind: 'text' };
  if (TypeGuards.isNumberToken(token)) return { kind: 'number' };
  const path = pathOf(engine, template, token);
  return path === undefined ? UNKNOWN : bindingOfPath(path.segments, scopes);
}

/** What the variable of a `for` or `tablerow` over `collection` holds. */
function bindingOfItem(engine: Liquid, template: LiquidTemplate, collection: ValueToken, scopes: LocalScopes): LocalBinding {
  if (TypeGuards.isRangeToken(collection)) return { kind: 'number' };
  if (TypeGuards.isQuotedToken(collection)) return { kind: 'text' };
  const path = pathOf(engine, template, collection);
  if (path === undefined) return UNKNOWN;
  const over = bindingOfPath(path.segments, scopes);
  switch (over.kind) {
    case 'alias':
      return { kind: 'item', of: over.of };
    // Looping over a text gives the text itself, over a number nothing.
    case 'item':
    case 'captured':
    case 'text':
    case 'number':
      return over;
    default:
      return UNKNOWN;
  }
}

/** What a tag with a local scope binds its name to. */
function bindingOfLocal(engine: Liquid, template: LiquidTemplate, scopes: LocalScopes): LocalBinding {
  if (template instanceof AssignTag) return bindingOfAssigned(engine, template, scopes);
  if (template instanceof CaptureTag) return { kind: 'captured' };
  if (template instanceof IncrementTag || template instanceof DecrementTag) return { kind: 'number' };
  return UNKNOWN;
}

/** The names a block binds for its children. */
function blockBindings(engine: Liquid, template: LiquidTemplate, scopes: LocalScopes): Map<string, LocalBinding> {
  const bindings = new Map<string, LocalBinding>(Array.from(template.blockScope?.() ?? [], (name) => [name, UNKNOWN]));
  if (template instanceof ForTag || template instanceof TablerowTag) {
    const tag = template instanceof ForTag ? 'for' : 'tablerow';
    const collection = TypeGuards.isFilteredValueToken(template.collection) ? undefined : template.collection;
    bindings.set(template.variable, collection === undefined ? UNKNOWN : bindingOfItem(engine, template, collection, scopes));
    bindings.set(`${tag}loop`, { kind: 'loop', tag });
  }
  return bindings;
}

/**
 * The reads of local variables (`assign`, `capture`, `for`, `tablerow`, counters) in one part,
 * each with what its name was bound to there. liquidjs's analysis finds the variables each tag
 * reads and the names it binds; this walks the parsed part the way that analysis does (its scopes,
 * in source order) and records each binding, which the analysis does not report.
 */
export function localVariablesOf(part: CompiledPart): LocalVariableUse[] {
  const engine = engineFor(part.escapesHtml);
  const uses: LocalVariableUse[] = [];
  const scopes = new LocalScopes();
  function record(variable: Variable): void {
    const [root] = variable.segments;
    const binding = typeof root === 'string' ? scopes.get(root) : undefined;
    if (binding !== undefined) uses.push({ variable, binding });
  }
  function visit(template: LiquidTemplate): void {
    if (template.arguments !== undefined) {
      for (const variable of variablesIn(engine, template, () => template.arguments?.() ?? [])) record(variable);
    }
    for (const identifier of template.localScope?.() ?? []) scopes.assign(identifier.content, bindingOfLocal(engine, template, scopes));
    if (template.children === undefined) return;
    const block = template.blockScope === undefined ? undefined : blockBindings(engine, template, scopes);
    if (block !== undefined) scopes.push(block);
    for (const child of toValueSync(template.children(false, true))) visit(child);
    if (block !== undefined) scopes.pop();
  }
  for (const template of part.parsed) visit(template);
  return uses;
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
