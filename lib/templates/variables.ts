/**
 * The static half of template validation: list the variables a template reads and refuse those
 * the personalization data (see `./personalization`) cannot supply.
 *
 * Locals are checked by what they were bound to (see `localVariablesOf`): a `for` variable over
 * any value of the data model is a text (an attribute's list holds texts; a text loops once, as
 * itself), an `{% assign %}` of a bare path is that path (`{% assign tier =
 * customer.attributes.tier %}{{ tier.name }}` is checked as `customer.attributes.tier.name`; one
 * item of a list attribute, `.first`, `.last` or `[n]`, is a text, and so are the items of a loop
 * over it), a captured value is a text, a counter or an item of a range a number, and `forloop` has its own
 * fields. A local whose value the source does not tell — assigned through a filter chain
 * (`{% assign names = customer.attributes.tags | split: "," %}`), or looped over such a value — is
 * left unchecked; reading what it lacks fails when the message renders.
 */
import type { Variable } from 'liquidjs';
import { TemplateVariableError } from './errors';
import { AttributeNameSchema, CUSTOMER_FIELDS, FIRST_NAME_ATTRIBUTE, MESSAGE_VARIABLES } from './personalization';
import {
  globalVariablesOf,
  liquidPartsOf,
  localVariablesOf,
  mergeFieldSource,
  type LocalBinding,
  type MessageTemplate,
  type TemplatePart,
} from './template';

/** One use of a variable in a template. */
export interface TemplateVariableUse {
  readonly part: TemplatePart;
  /** The path as liquid prints it, e.g. `customer.attributes.tier`. */
  readonly path: string;
  /** Where it is used (1-based), for liquid parts. */
  readonly location?: { readonly row: number; readonly col: number };
  readonly segments: ReadonlyArray<string | number | Variable>;
}

/** What the static check may assume about customers' attributes. */
export interface VariableCheckOptions {
  /**
   * Attribute names customers can have. When given, `customer.attributes.<name>` (and a merge field
   * naming an attribute) must use one of them; when absent, any well-formed name is allowed and an
   * attribute a customer lacks is caught when rendering.
   */
  readonly attributeNames?: readonly string[];
}

/** Every variable `template` reads, part by part, including mail merge fields. */
export function templateVariables(template: MessageTemplate): TemplateVariableUse[] {
  const uses: TemplateVariableUse[] = [];
  for (const part of liquidPartsOf(template)) {
    for (const variables of Object.values(globalVariablesOf(part))) {
      for (const variable of variables) {
        uses.push({
          part: part.part,
          path: variable.toString(),
          location: { row: variable.location.row, col: variable.location.col },
          segments: variable.segments,
        });
      }
    }
  }
  for (const name of [...(template.mail?.mergeFields ?? []), ...(template.mail?.optionalMergeFields ?? [])]) {
    uses.push({ part: 'mail.mergeFields', path: name, segments: [name] });
  }
  return uses;
}

/** The parts of `template` that read the top-level variable `name` (such as `unsubscribeUrl` or `senderPostalAddress`). */
export function partsReading(template: MessageTemplate, name: string): ReadonlySet<TemplatePart> {
  return new Set(templateVariables(template).filter((use) => use.segments[0] === name).map((use) => use.part));
}

/**
 * Whether a variable with `segments` may read the customer's first name: `customer.firstName`,
 * `customer.attributes.firstName` (the attribute it comes from), or a path that could reach either
 * — the whole customer or all its attributes, or a computed lookup in them. A path that uses such
 * a variable as an index counts too. Errs towards true.
 */
function mayReadFirstName(segments: ReadonlyArray<string | number | Variable>): boolean {
  if (segments.some((segment) => typeof segment === 'object' && mayReadFirstName(segment.segments))) return true;
  const [root, field, attribute] = segments;
  if (typeof root !== 'string') return true;
  if (root !== 'customer') return false;
  if (typeof field !== 'string' || field === 'firstName') return true;
  if (field !== 'attributes') return false;
  return typeof attribute !== 'string' || attribute === FIRST_NAME_ATTRIBUTE;
}

/**
 * Whether `template`'s SMS part may read the customer's first name (see `renderSms`, which renders
 * the text again without the name only when it does). False for a template without an SMS part.
 */
export function smsReadsFirstName(template: MessageTemplate): boolean {
  return templateVariables(template).some((use) => use.part === 'sms' && mayReadFirstName(use.segments));
}

/**
 * Accessors liquid resolves on any text: its length. (`first`, `last` and indexes are list
 * accessors: on a text liquid reads `first` and `last` as missing properties and an index past a
 * short name's end as missing too, so each would throw at send for some or every customer.)
 */
const TEXT_ACCESSORS: ReadonlySet<string> = new Set(['size', 'length']);
/** Accessors liquid applies to a value that may be a list: its size, first and last item, an index. */
const VALUE_ACCESSORS: ReadonlySet<string> = new Set([...TEXT_ACCESSORS, 'first', 'last']);

/** Whether `rest`, the path after a text variable, is the text itself or its length. */
function isTextAccessor(rest: ReadonlyArray<string | number | Variable>): boolean {
  const [accessor] = rest;
  return rest.length === 0 || (rest.length === 1 && typeof accessor === 'string' && TEXT_ACCESSORS.has(accessor));
}

/** Whether `rest`, the path after a value that may be a list, is the value itself or one accessor of it. */
function isValueAccessor(rest: ReadonlyArray<string | number | Variable>): boolean {
  if (rest.length === 0) return true;
  const [accessor] = rest;
  return rest.length === 1 && (typeof accessor === 'number' || (typeof accessor === 'string' && VALUE_ACCESSORS.has(accessor)));
}

/** Why `segments` cannot be supplied, or undefined when they can. */
function problemWith(segments: ReadonlyArray<string | number | Variable>, options: VariableCheckOptions): string | undefined {
  const [root, field, attribute, ...afterAttribute] = segments;
  const unknown = 'which the profile does not provide';
  const notOfText = 'which a text does not have (a text has .size and .length)';
  if (typeof root !== 'string') return unknown;
  if ((MESSAGE_VARIABLES as readonly string[]).includes(root)) {
    return isTextAccessor(segments.slice(1)) ? undefined : notOfText;
  }
  if (root !== 'customer') return unknown;
  if (field === undefined) return 'which is the whole customer, not a value';
  if (typeof field !== 'string') return 'a computed lookup that cannot be checked';
  // Every customer field is text; an attribute may be a list.
  if ((CUSTOMER_FIELDS as readonly string[]).includes(field)) {
    return isTextAccessor(segments.slice(2)) ? undefined : notOfText;
  }
  if (field !== 'attributes') return unknown;
  if (attribute === undefined) return 'which is all the attributes, not a value';
  if (typeof attribute !== 'string') return 'a computed lookup that cannot be checked';
  if (!AttributeNameSchema.safeParse(attribute).success) return 'which is not a valid attribute name';
  if (options.attributeNames !== undefined && !options.attributeNames.includes(attribute)) return unknown;
  // One item of a list attribute (its first, its last, an index) is a text.
  const [accessor, ...afterItem] = afterAttribute;
  if (typeof accessor === 'number' || accessor === 'first' || accessor === 'last') return isTextAccessor(afterItem) ? undefined : notOfText;
  return isValueAccessor(afterAttribute) ? undefined : unknown;
}

/** What `forloop` and `tablerowloop` have; anything else is missing and throws. */
const LOOP_FIELDS: Readonly<Record<'for' | 'tablerow', ReadonlySet<string>>> = {
  for: new Set(['index', 'index0', 'rindex', 'rindex0', 'first', 'last', 'length', 'name']),
  tablerow: new Set(['index', 'index0', 'rindex', 'rindex0', 'first', 'last', 'length', 'name', 'row', 'col', 'col0', 'col_first', 'col_last']),
};

/**
 * Why `rest`, the path after a local bound to `binding`, cannot be read, or undefined when it can
 * (or the binding is not known). A capture in the HTML part holds escaped markup, which has a
 * `.size` but no `.length`.
 */
function localProblem(
  binding: LocalBinding,
  rest: ReadonlyArray<string | number | Variable>,
  escapesHtml: boolean,
  options: VariableCheckOptions,
): string | undefined {
  const [accessor] = rest;
  switch (binding.kind) {
    case 'alias':
      // A source the check refuses is reported where it is assigned.
      return problemWith(binding.of, options) === undefined ? problemWith([...binding.of, ...rest], options) : undefined;
    case 'item':
      if (problemWith(binding.of, options) !== undefined) return undefined;
      return isTextAccessor(rest) ? undefined : `which a text does not have (each item of "${segmentsPath(binding.of)}" is a text, which has .size and .length)`;
    case 'text':
      return isTextAccessor(rest) ? undefined : 'which a text does not have (a text has .size and .length)';
    case 'captured':
      if (!escapesHtml) return isTextAccessor(rest) ? undefined : 'which a captured text does not have (a text has .size and .length)';
      return rest.length === 0 || (rest.length === 1 && accessor === 'size') ? undefined : 'which a captured text does not have (in HTML it has .size)';
    case 'number':
      return rest.length === 0 ? undefined : 'which a number does not have';
    case 'loop':
      if (rest.length === 0 || (rest.length === 1 && typeof accessor === 'string' && LOOP_FIELDS[binding.tag].has(accessor))) return undefined;
      return `which ${binding.tag}loop does not have (it has ${[...LOOP_FIELDS[binding.tag]].map((field) => `.${field}`).join(', ')})`;
    case 'unknown':
      return undefined;
  }
}

/** A path as liquid prints it. */
function segmentsPath(segments: ReadonlyArray<string | number | Variable>): string {
  return segments
    .map((segment, index) => {
      if (typeof segment === 'object') return `[${segment.toString()}]`;
      if (typeof segment === 'number') return `[${segment}]`;
      return index === 0 ? segment : `.${segment}`;
    })
    .join('');
}

function mergeFieldProblem(name: string, options: VariableCheckOptions): string | undefined {
  const source = mergeFieldSource(name);
  if (source.kind !== 'attribute' || options.attributeNames === undefined) return undefined;
  return options.attributeNames.includes(source.name) ? undefined : 'which the profile does not provide';
}

/**
 * Every variable of `template` the personalization data cannot supply, as errors such as
 * `template "welcome" email.html uses "customer.nickname", which the profile does not provide`.
 * Empty when the template is sound.
 */
export function templateVariableProblems(template: MessageTemplate, options: VariableCheckOptions = {}): TemplateVariableError[] {
  const problems: TemplateVariableError[] = [];
  const seen = new Set<string>();
  for (const use of templateVariables(template)) {
    const why = use.part === 'mail.mergeFields' ? mergeFieldProblem(use.path, options) : problemWith(use.segments, options);
    const key = `${use.part}\u0000${use.path}`;
    if (why !== undefined && !seen.has(key)) {
      seen.add(key);
      problems.push(new TemplateVariableError(template.id, use.part, use.path, why));
    }
  }
  for (const part of liquidPartsOf(template)) {
    for (const { variable, binding } of localVariablesOf(part)) {
      const why = localProblem(binding, variable.segments.slice(1), part.escapesHtml, options);
      const key = `${part.part}\u0000${variable.toString()}\u0000${variable.location.row}`;
      if (why !== undefined && !seen.has(key)) {
        seen.add(key);
        problems.push(new TemplateVariableError(template.id, part.part, variable.toString(), `${why}, line ${variable.location.row}`));
      }
    }
  }
  return problems;
}
