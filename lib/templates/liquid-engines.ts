/**
 * The two liquid engines templates are parsed and rendered with, and what they change of liquid.
 *
 * Both have `strictVariables` and `strictFilters`. `lenientIf` lets a template test an optional
 * variable (`{% if customer.firstName %}`) or give it a fallback (`| default: "there"`); used
 * anywhere else, an absent variable makes rendering throw. That includes `{% assign %}`, which
 * liquidjs would evaluate leniently too (see {@link StrictAssignTag}).
 *
 * The HTML engine escapes customer data exactly once. Every output is escaped, except markup
 * liquid itself built from escaped parts, which it carries as a {@link SafeHtml} value: what a
 * `{% capture %}` block rendered (its `{{ }}` were escaped inside it), the result of `escape`,
 * `escape_once` and `xml_escape`, `newline_to_br`'s (which escapes its input first), and a captured
 * value `default` keeps. `| raw` opts out of escaping. Any other filter applied to such a value,
 * and `{% echo %}` (which liquidjs reads as text before escaping), give plain text, escaped like
 * any value: print a captured value with `{{ }}`.
 *
 * `include`, `render` and `layout` are refused when a template is parsed: a template is
 * self-contained (see {@link FILE_TAGS}).
 *
 * Dates print in the customer's time zone (see {@link renderLiquid}), read from that zone's clock,
 * so the host's zone never shows (see `./zoned-strftime`); the `date` filter prints a calendar
 * date (`2026-03-01`), or a local date and time without an offset (`2026-03-01T18:30`), as written.
 */
import {
  AssignTag,
  CaptureTag,
  Context,
  Drop,
  filters as builtInFilters,
  Liquid,
  Tag,
  Value,
  type FilterImplOptions,
  type TagToken,
  type Template as LiquidTemplate,
  type TopLevelToken,
} from 'liquidjs';
import { registerDateFilters } from './date-filters';

const COMMON_OPTIONS = {
  strictVariables: true,
  strictFilters: true,
  lenientIf: true,
  ownPropertyOnly: true,
  // Templates are self-contained: the tags that read other files are refused (see
  // refuseFileTags); should one slip through, it looks in an empty in-memory set, never on disk.
  templates: {},
  // Dates render the same wherever the code runs; left unset, liquidjs asks the host's Intl for
  // its default locale, which also costs every cold start an ICU initialization. The time zone is
  // the customer's, set per render.
  locale: 'en-US',
} as const;

/**
 * HTML that liquid built from escaped parts, printed as it is. To any tag or filter it is the
 * text it holds (liquid reads a drop through `valueOf`), so `==`, `contains`, `size` and `if`
 * treat it as that text.
 */
export class SafeHtml extends Drop {
  constructor(readonly html: string) {
    super();
  }
  override valueOf(): string {
    return this.html;
  }
  get size(): number {
    return this.html.length;
  }
}

/** A filter's function, as liquidjs calls it: `this` holds the render's context. */
type FilterHandler = Extract<FilterImplOptions, (...args: never[]) => unknown>;

const escapeHtml = builtInFilters.escape as FilterHandler;

/** The HTML engine's output escape: a {@link SafeHtml} as it is, anything else escaped. */
function escapeUnlessSafe(this: ThisParameterType<FilterHandler>, value: unknown): string {
  return value instanceof SafeHtml ? value.html : (escapeHtml.call(this, value) as string);
}

/** `{% capture %}` whose result is {@link SafeHtml}: its outputs were escaped as it rendered them. */
class SafeCaptureTag extends CaptureTag {
  override *render(ctx: Context): Generator<unknown, void, string> {
    const html = yield this.liquid.renderer.renderTemplates(this.templates, ctx);
    ctx.bottom()[this.variable] = new SafeHtml(html);
  }
}

/**
 * `{% assign %}` that evaluates its value strictly unless its first filter is `default`, as an
 * output does. liquidjs applies `lenientIf` to `assign` as a whole, so
 * `{% assign name = customer.firstName %}` stored undefined for a customer without a first name,
 * and `{{ name }}` then printed a blank: an assigned local is defined, so strict variables do not
 * catch it. Built from the tag's public parts (its value and the name it assigns).
 */
class StrictAssignTag extends AssignTag {
  private readonly assigned: { readonly name: string; readonly value: Value };
  constructor(token: TagToken, remainTokens: TopLevelToken[], liquid: Liquid) {
    super(token, remainTokens, liquid);
    const [value] = this.arguments();
    const [identifier] = this.localScope();
    if (!(value instanceof Value) || identifier === undefined) throw new Error('assign: expected a name and a value');
    this.assigned = { name: identifier.content, value };
  }
  override *render(ctx: Context): Generator<unknown, void, unknown> {
    // Not lenient: Value itself turns lenient when the first filter is `default`.
    ctx.bottom()[this.assigned.name] = yield this.assigned.value.value(ctx, false);
  }
}

/** What both engines change of liquid's tags: a strict `assign`, and no tags that read other files. */
function registerTags(engine: Liquid): void {
  engine.registerTag('assign', StrictAssignTag);
  refuseFileTags(engine);
}

/**
 * Tags that read another template file. A template is self-contained and the catalog has no
 * partials, so each would fail at every send (`Failed to lookup "footer"`); refusing them when
 * the template is parsed stops a deployment instead.
 */
const FILE_TAGS = ['include', 'render', 'layout'] as const;

/** Makes parsing a template that uses one of {@link FILE_TAGS} fail, naming the tag. */
function refuseFileTags(engine: Liquid): void {
  for (const name of FILE_TAGS) {
    engine.registerTag(
      name,
      class RefusedFileTag extends Tag {
        constructor(token: TagToken, remainTokens: TopLevelToken[], liquid: Liquid) {
          super(token, remainTokens, liquid);
          throw new Error(`{% ${name} %} is not supported: a template is self-contained, with no partials or layouts`);
        }
        // Never reached: parsing the tag throws.
        render(): void {}
      },
    );
  }
}

function htmlEngine(): Liquid {
  const engine = new Liquid({ ...COMMON_OPTIONS, outputEscape: escapeUnlessSafe });
  engine.registerTag('capture', SafeCaptureTag);
  for (const name of ['escape', 'escape_once', 'xml_escape'] as const) {
    const handler = builtInFilters[name] as FilterHandler;
    engine.registerFilter(name, function escapedOnce(value: unknown) {
      return new SafeHtml(handler.call(this, value) as string);
    });
  }
  const newlineToBr = builtInFilters.newline_to_br as FilterHandler;
  engine.registerFilter('newline_to_br', function newlineToBrEscaped(value: unknown) {
    const safe = value instanceof SafeHtml ? value.html : (escapeHtml.call(this, value) as string);
    return new SafeHtml(newlineToBr.call(this, safe) as string);
  });
  const defaultFilter = builtInFilters.default as FilterHandler;
  engine.registerFilter('default', function defaultKeepingSafe(value: unknown, ...args: unknown[]) {
    const result: unknown = defaultFilter.call(this, value, ...args);
    return value instanceof SafeHtml && result === value.html ? value : result;
  });
  registerDateFilters(engine);
  registerTags(engine);
  return engine;
}

/** Escapes every output once (see the module comment); for the HTML part of an email. */
export const htmlLiquid = htmlEngine();
/** Escapes nothing; for the subject, the text part and SMS. */
export const textLiquid = new Liquid({ ...COMMON_OPTIONS });
registerDateFilters(textLiquid);
registerTags(textLiquid);

/**
 * Renders `parsed` with `data`, dates in `timeZone` (an IANA name, which the `date` filter reads
 * from liquidjs's `timezoneOffset`). The parse stays the engine's, cached; only this render's
 * options differ (a spread, about a microsecond; a new engine per message would cost six).
 */
export function renderLiquid(engine: Liquid, parsed: LiquidTemplate[], data: object, timeZone: string): string {
  const options = { ...engine.options, timezoneOffset: timeZone };
  return engine.renderSync(parsed, new Context(data, options, { sync: true }, { liquid: engine })) as string;
}
