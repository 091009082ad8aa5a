/**
 * Rendering a template for one customer, and validating a template before any customer sees it.
 */
import { PersonalizationDataSchema, type PersonalizationData, type PersonalizationValue } from './personalization';
import { TemplateNotFoundError, TemplateRenderError } from './errors';
import { renderFailureReason } from './render-failure';
import { mergeFieldSource, renderPart, type CompiledPart, type MessageTemplate } from './template';
import { fitsOneSegment, smsPersonalization, withoutFirstName } from './sms-text';
import { smsReadsFirstName, templateVariableProblems, type VariableCheckOptions } from './variables';

/** The three parts of an email, ready for the email adapter. */
export interface RenderedEmail {
  /** One line: line breaks a variable brings in are folded to spaces, so no header can be injected. */
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

/** What the print vendor needs besides the address. */
export interface RenderedMail {
  readonly printTemplate: string;
  /** Merge field name → value, in the order `mail.json` lists them. */
  readonly mergeFields: Readonly<Record<string, PersonalizationValue>>;
}

function checkedData(template: MessageTemplate, data: PersonalizationData): PersonalizationData {
  const parsed = PersonalizationDataSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const paths = [...new Set(parsed.error.issues.map((issue) => issue.path.map(String).join('.')))];
  throw new TemplateRenderError(template.id, 'data', `personalization data is invalid at ${paths.join(', ')}`, {
    cause: parsed.error,
  });
}

function render(template: MessageTemplate, part: CompiledPart, data: PersonalizationData): string {
  let output: string;
  try {
    output = renderPart(part, data);
  } catch (error) {
    // No cause: liquidjs's message may quote the customer's values (render-failure.ts).
    throw new TemplateRenderError(template.id, part.part, renderFailureReason(error));
  }
  if (output.trim() === '') throw new TemplateRenderError(template.id, part.part, 'renders empty');
  return output;
}

/**
 * Renders the subject, HTML and text parts of `template` for `data`. A subject that a very long
 * first name takes past {@link MAX_SUBJECT_LENGTH} is rendered without the name (see `renderSubject`).
 *
 * @throws TemplateNotFoundError when the template has no email version;
 *   TemplateRenderError when a variable is absent for this customer or a part renders empty.
 */
export function renderEmail(template: MessageTemplate, data: PersonalizationData): RenderedEmail {
  if (template.email === undefined) throw new TemplateNotFoundError(template.id, 'email');
  const checked = checkedData(template, data);
  return {
    subject: renderSubject(template, template.email.subject, checked),
    html: render(template, template.email.html, checked),
    text: render(template, template.email.text, checked),
  };
}

/**
 * The longest subject an email may have: RFC 5322's 998 characters a header line, which the email
 * adapter enforces (a longer one fails the send as `message_invalid`).
 */
export const MAX_SUBJECT_LENGTH = 998;

/** The subject on one line: line breaks a variable brings in are folded to spaces. */
function oneLineSubject(template: MessageTemplate, part: CompiledPart, data: PersonalizationData): string {
  return render(template, part, data).replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/**
 * The subject for `data`. A first name is optional, and attribute values have no length limit, so
 * a subject that a very long name takes past {@link MAX_SUBJECT_LENGTH} is rendered as for a
 * customer without one, as {@link renderSms} does for a text; the body keeps the name. When that
 * does not help (a template that needs the name, or one long without it), the subject is kept and
 * the adapter refuses it.
 */
function renderSubject(template: MessageTemplate, part: CompiledPart, data: PersonalizationData): string {
  const subject = oneLineSubject(template, part, data);
  if (subject.length <= MAX_SUBJECT_LENGTH || data.customer.firstName === undefined) return subject;
  let nameless: string;
  try {
    nameless = oneLineSubject(template, part, withoutFirstName(data));
  } catch (error) {
    if (error instanceof TemplateRenderError) return subject;
    throw error;
  }
  return nameless.length <= MAX_SUBJECT_LENGTH ? nameless : subject;
}

/** Per template, whether its SMS part may read the first name: worked out once, not per message. */
const smsFirstNameReaders = new WeakMap<MessageTemplate, boolean>();

/**
 * Whether rendering `template`'s SMS without the first name could give another text. When it
 * cannot, the text is the same with or without the name, so it is not rendered a second time.
 */
function readsFirstName(template: MessageTemplate): boolean {
  let reads = smsFirstNameReaders.get(template);
  if (reads === undefined) {
    reads = smsReadsFirstName(template);
    smsFirstNameReaders.set(template, reads);
  }
  return reads;
}

/**
 * Renders the SMS text of `template` for `data`, trimmed. The SMS adapter adds the opt-out
 * instruction for marketing texts; templates need not.
 *
 * Customer values are written in GSM-7 first, so a name like `Zoë` does not turn the text into
 * UCS-2 (see `gsm7Text`; a value with letters GSM-7 cannot write is left out). A first name is
 * optional in a text: when the text with it would not be one GSM-7 segment once the opt-out line is
 * added, it is rendered as for a customer without one, if that fits. Otherwise the text keeps
 * the name: a template that prints the name bare needs it, and one too long without a name is the
 * template's own fault, which the catalog's tests catch.
 *
 * @throws TemplateNotFoundError or TemplateRenderError, as {@link renderEmail}.
 */
export function renderSms(template: MessageTemplate, data: PersonalizationData): string {
  if (template.sms === undefined) throw new TemplateNotFoundError(template.id, 'sms');
  const written = smsPersonalization(checkedData(template, data));
  const text = render(template, template.sms, written).trim();
  if (written.customer.firstName === undefined || fitsOneSegment(text) || !readsFirstName(template)) return text;
  let nameless: string;
  try {
    nameless = render(template, template.sms, withoutFirstName(written)).trim();
  } catch (error) {
    if (error instanceof TemplateRenderError) return text;
    throw error;
  }
  return fitsOneSegment(nameless) ? nameless : text;
}

/**
 * The print template and merge-field values of `template`'s direct-mail version for `data`.
 *
 * @throws TemplateNotFoundError; TemplateRenderError when a merge field has no value for this customer.
 */
export function mailMergeFields(template: MessageTemplate, data: PersonalizationData): RenderedMail {
  if (template.mail === undefined) throw new TemplateNotFoundError(template.id, 'mail');
  const checked = checkedData(template, data);
  const mergeFields: Record<string, PersonalizationValue> = {};
  const required = new Set(template.mail.mergeFields);
  for (const name of [...template.mail.mergeFields, ...template.mail.optionalMergeFields]) {
    const source = mergeFieldSource(name);
    const value =
      source.kind === 'message'
        ? checked[source.name]
        : source.kind === 'customer'
          ? checked.customer[source.name]
          : checked.customer.attributes[source.name];
    if (value !== undefined) {
      mergeFields[name] = value;
    } else if (required.has(name)) {
      throw new TemplateRenderError(template.id, 'mail.mergeFields', `merge field "${name}" has no value for this customer`);
    }
  }
  return { printTemplate: template.mail.printTemplate, mergeFields };
}

/** Every channel of a template rendered with sample data: what a marketer previews. */
export interface TemplatePreview {
  readonly email?: RenderedEmail;
  readonly sms?: string;
  readonly mail?: RenderedMail;
}

/**
 * Validates `template`: first statically (every variable must be one the personalization data can
 * supply), then by rendering every channel with `sampleData` under strict variables.
 *
 * @returns the rendered preview.
 * @throws TemplateVariableError for the first variable the data cannot supply;
 *   TemplateRenderError when rendering the sample fails.
 */
export function validateTemplate(
  template: MessageTemplate,
  sampleData: PersonalizationData,
  options: VariableCheckOptions = {},
): TemplatePreview {
  const [problem] = templateVariableProblems(template, options);
  if (problem !== undefined) throw problem;
  return {
    ...(template.email === undefined ? {} : { email: renderEmail(template, sampleData) }),
    ...(template.sms === undefined ? {} : { sms: renderSms(template, sampleData) }),
    ...(template.mail === undefined ? {} : { mail: mailMergeFields(template, sampleData) }),
  };
}
