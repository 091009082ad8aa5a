/**
 * The HTML part escapes customer data exactly once, whatever the data holds and however the
 * template prints it: plainly, in an attribute, inside a capture block, through escape or
 * newline_to_br. So no `<` or quote a customer wrote ever reaches the HTML as markup.
 */
import fc from 'fast-check';
import { compileTemplate, renderEmail } from '../../lib/templates';
import { sampleData } from './fixtures';

/** HTML escaping as the engine does it: `&` first, then `<`, `>`, `"` and `'`. */
function escaped(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');
}

/** Each way of printing the attribute `note`, with the HTML it must give for a value. */
const PRINTS: ReadonlyArray<readonly [source: string, expected: (note: string) => string]> = [
  ['<p title="{{ customer.attributes.note }}">{{ customer.attributes.note }}</p>', (note) => `<p title="${escaped(note)}">${escaped(note)}</p>`],
  [
    '{% capture cta %}<a title="{{ customer.attributes.note }}">{{ customer.attributes.note }}</a>{% endcapture %}<p>{{ cta }}</p>',
    (note) => `<p><a title="${escaped(note)}">${escaped(note)}</a></p>`,
  ],
  ['{% assign n = customer.attributes.note %}{% capture c %}{{ n }}{% endcapture %}<i>{{ c | default: "x" }}</i>', (note) => `<i>${escaped(note)}</i>`],
  ['<p>{{ customer.attributes.note | escape }}</p>', (note) => `<p>${escaped(note)}</p>`],
  ['<p>{{ customer.attributes.note | newline_to_br }}</p>', (note) => `<p>${escaped(note).replace(/\r?\n/g, '<br />\n')}</p>`],
  ['<p>{{ customer.attributes.note | escape | newline_to_br }}</p>', (note) => `<p>${escaped(note).replace(/\r?\n/g, '<br />\n')}</p>`],
];

/** Text as customers send it, weighted to what HTML reads: brackets, quotes, entities, line breaks. */
const note = fc.string({
  unit: fc.oneof(fc.constantFrom('<', '>', '"', "'", '&', '#', ';', '3', '9', '\n', '\r', '/', '=', ' ', 'b', 'r'), fc.string({ minLength: 1, maxLength: 1 })),
  minLength: 1,
});

/** Counts of `<`, `>`, `"` and `'`: the characters that make markup or leave an attribute. */
function markupCharacters(html: string): string {
  const counts = ['<', '>', '"', "'"].map((character) => html.split(character).length - 1);
  return counts.join(',');
}

describe('the HTML part', () => {
  it.each(PRINTS)('escapes customer data exactly once when printed as %s', (source, expected) => {
    // Prepare
    const template = compileTemplate('t', { email: { subject: 's', html: source, text: 't' } });
    // Act / Assess
    fc.assert(
      fc.property(note, (value) => {
        const html = renderEmail(template, sampleData({ attributes: { note: value } })).html;
        expect(html).toBe(expected(value));
        // No character of the value adds markup: the same markup as for a value without any.
        const plain = renderEmail(template, sampleData({ attributes: { note: 'x' } })).html;
        expect(markupCharacters(html.replace(/<br \/>/g, ''))).toBe(markupCharacters(plain));
      }),
    );
  });
});
