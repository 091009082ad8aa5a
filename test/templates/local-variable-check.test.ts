/**
 * The synth-time variable check (loadTemplateCatalog) stops a template that reads a variable the
 * data model cannot supply, locals included: a loop variable, an assigned alias, a capture, a
 * counter, `forloop`. An attribute is a scalar or a list of strings, so a loop variable over a list
 * attribute is a string: `item.name` can never be supplied and would fail every send of the
 * customers who have the list.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileTemplate, loadTemplateCatalog, renderEmail, renderSms, templateVariableProblems } from '../../lib/templates';
import { sampleData } from './fixtures';

function catalogWith(html: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'loop-variable-'));
  const folder = path.join(dir, 'cart-reminder');
  mkdirSync(folder);
  writeFileSync(path.join(folder, 'email.subject.liquid'), 'Your cart');
  writeFileSync(path.join(folder, 'email.html.liquid'), html);
  writeFileSync(path.join(folder, 'email.text.liquid'), 'Your cart\n{{ unsubscribeUrl }}');
  return dir;
}

function problemsOfSms(sms: string): string[] {
  return templateVariableProblems(compileTemplate('t', { sms })).map((problem) => problem.message);
}

describe('loadTemplateCatalog on a loop over a list attribute', () => {
  it('refuses a property of the loop variable (items of a list attribute are strings) instead of failing every send', () => {
    // Prepare
    const dir = catalogWith('<ul>{% for item in customer.attributes.cartItems %}<li>{{ item.name }}</li>{% endfor %}</ul><a href="{{ unsubscribeUrl }}">Unsubscribe</a>');

    // Act
    let loadError: unknown;
    let renderError: unknown;
    try {
      const catalog = loadTemplateCatalog(dir);
      renderEmail(catalog.get('cart-reminder'), sampleData({ attributes: { cartItems: ['shoes', 'socks'] } }));
    } catch (error) {
      if ((error as Error).name === 'TemplateRenderError') renderError = error;
      else loadError = error;
    }

    // Assess: caught at load (synth), not at render (a customer's send)
    expect(renderError).toBeUndefined();
    expect((loadError as Error | undefined)?.name).toBe('TemplateCatalogError');
    expect((loadError as Error).message).toContain(
      'template "cart-reminder" email.html uses "item.name", which a text does not have (each item of "customer.attributes.cartItems" is a text, which has .size and .length), line 1',
    );
  });
});

describe('the variable check on locals', () => {
  it.each([
    ['an alias of a list attribute', '{% assign items = customer.attributes.interests %}{{ items.name }}', 'items.name', 'which the profile does not provide'],
    ['an alias of a customer field', '{% assign name = customer.firstName %}{{ name.first }}', 'name.first', 'which a text does not have (a text has .size and .length)'],
    [
      'a loop over an alias',
      '{% assign items = customer.attributes.interests %}{% for item in items %}{{ item.price }}{% endfor %}',
      'item.price',
      'which a text does not have (each item of "customer.attributes.interests" is a text, which has .size and .length)',
    ],
    ['a nested loop variable', '{% for a in customer.attributes.interests %}{% for b in a %}{{ b.name }}{% endfor %}{% endfor %}', 'b.name', 'which a text does not have'],
    ['a counter', '{% increment n %}{{ n.size }}', 'n.size', 'which a number does not have'],
    ['an item of a range', '{% for i in (1..3) %}{{ i.size }}{% endfor %}', 'i.size', 'which a number does not have'],
    ['a field forloop lacks', '{% for i in customer.attributes.interests %}{{ forloop.count }}{% endfor %}', 'forloop.count', 'which forloop does not have'],
  ])('refuses reading what %s cannot have', (_case, sms, variable, why) => {
    // Act
    const problems = problemsOfSms(sms);
    // Assess
    expect(problems).toEqual([expect.stringContaining(`template "t" sms uses "${variable}", ${why}`)]);
    expect(problems[0]).toMatch(/, line 1$/);
  });

  it('names the line of the read in a template of several lines', () => {
    // Act
    const problems = problemsOfSms('Hi\n{% for item in customer.attributes.interests %}\n{{ item.name }}\n{% endfor %}');
    // Assess
    expect(problems).toEqual([expect.stringMatching(/^template "t" sms uses "item.name", .*, line 3$/)]);
  });

  it('refuses a loop variable over an attribute the deployment does not know only once, where the attribute is read', () => {
    // Act
    const problems = templateVariableProblems(compileTemplate('t', { sms: '{% for item in customer.attributes.cart %}{{ item }}{% endfor %}' }), {
      attributeNames: ['tier'],
    }).map((problem) => problem.message);
    // Assess
    expect(problems).toEqual(['template "t" sms uses "customer.attributes.cart", which the profile does not provide']);
  });

  it('accepts what liquid resolves on each local, and renders it', () => {
    // Prepare
    const sms = [
      '{% for item in customer.attributes.interests %}{{ forloop.index }}:{{ item }}/{{ item.size }}/{{ item.length }}{% unless forloop.last %},{% endunless %}{% endfor %}',
      '{% assign tier = customer.attributes.tier %}{{ tier }} {{ tier.size }}',
      '{% assign picks = customer.attributes.interests %}{{ picks.first }} {{ picks[1] }} {{ picks.size }}',
      '{% assign me = customer %}{% capture hello %}hi {{ customer.firstName }}{% endcapture %}{{ hello }} {{ hello.size }} {{ hello.length }}',
      '{% for letter in customer.firstName %}{{ letter.size }}{% endfor %}{% for i in (1..2) %}{{ i }}{% endfor %}',
    ].join(' | ');
    const template = compileTemplate('t', { sms });
    // Act
    const problems = templateVariableProblems(template).map((problem) => problem.variable);
    // Assess: only the whole customer, which the check has always refused.
    expect(problems).toEqual(['customer']);
    const withoutWholeCustomer = compileTemplate('t', { sms: sms.replace('{% assign me = customer %}', '') });
    expect(templateVariableProblems(withoutWholeCustomer)).toEqual([]);
    expect(renderSms(withoutWholeCustomer, sampleData())).toBe('1:running/7/7,2:cycling/7/7 | gold 4 | running cycling 2 | hi Ana 6 6 | 312');
  });

  it('in the HTML part, accepts .size of a capture but refuses .length, which the escaped capture lacks', () => {
    // Prepare
    const html = '{% capture hello %}hi {{ customer.firstName }}{% endcapture %}{{ hello.size }} {{ hello.length }}';
    const template = compileTemplate('t', { email: { subject: 'x', html, text: 'x' } });
    // Act
    const problems = templateVariableProblems(template).map((problem) => problem.message);
    // Assess
    expect(problems).toEqual(['template "t" email.html uses "hello.length", which a captured text does not have (in HTML it has .size), line 1']);
  });

  it('leaves unchecked a local assigned through a filter, whose value the source does not tell', () => {
    // Act
    const problems = problemsOfSms('{% assign tags = customer.attributes.tags | split: "," %}{% for tag in tags %}{{ tag.name }}{% endfor %}{{ tags.anything }}');
    // Assess
    expect(problems).toEqual([]);
  });
});

describe('the variable check on one item of a list attribute', () => {
  it.each([
    ['an alias of .first', '{% assign top = customer.attributes.interests.first %}{% if top.size > 0 %}Top pick: {{ top }}{% endif %}', 'Top pick: running'],
    ['an alias of an index', '{% assign top = customer.attributes.interests[0] %}{{ top }} ({{ top.size }})', 'running (7)'],
    ['an alias of .last', '{% assign end = customer.attributes.interests.last %}{{ end }} {{ end.length }}', 'cycling 7'],
    ['an item read directly', '{{ customer.attributes.interests.first.size }} {{ customer.attributes.interests[1].length }}', '7 7'],
    ['a loop over an item (a text loops once, as itself)', '{% for pick in customer.attributes.interests.first %}{{ pick }}/{{ pick.size }}{% endfor %}', 'running/7'],
  ])('accepts %s as a text, and renders it', (_case, sms, rendered) => {
    // Prepare
    const template = compileTemplate('t', { sms });
    // Act
    const problems = templateVariableProblems(template).map((problem) => problem.message);
    // Assess
    expect(problems).toEqual([]);
    expect(renderSms(template, sampleData())).toBe(rendered);
  });

  it.each([
    ['a list accessor of an alias of an item', '{% assign top = customer.attributes.interests.first %}{{ top.first }}', 'top.first'],
    ['a property of an item read directly', '{{ customer.attributes.interests[0].name }}', 'customer.attributes.interests[0].name'],
  ])('refuses %s, which a text does not have', (_case, sms, variable) => {
    // Act
    const problems = problemsOfSms(sms);
    // Assess
    expect(problems).toEqual([expect.stringContaining(`template "t" sms uses "${variable}", which a text does not have (a text has .size and .length)`)]);
  });
});
