/**
 * Escaped HTML: a tagged template whose interpolations are escaped unless they are already Html,
 * so no customer-controlled text can become markup.
 */

/** A fragment of HTML that is safe to insert as is. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** A value a template may interpolate: text (escaped), numbers, Html, lists of them, or nothing. */
export type HtmlValue = string | number | Html | undefined | null | false | readonly HtmlValue[];

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text escaped for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character);
}

function render(value: HtmlValue): string {
  if (value === undefined || value === null || value === false) return '';
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map((item: HtmlValue) => render(item)).join('');
  return escapeHtml(String(value));
}

/** `html\`<p>${name}</p>\`` with `name` escaped. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  return new Html(strings.reduce((text, part, index) => text + part + (index < values.length ? render(values[index]) : ''), ''));
}
