import type { AttributeValue, CustomerSnapshot } from '../../lib/customer/model';
import {
  compileTemplate,
  mailMergeFields,
  personalizationFor,
  renderEmail,
  renderSms,
  TemplateNotFoundError,
  TemplateRenderError,
  TemplateSyntaxError,
  TemplateVariableError,
  templateVariableProblems,
  templateVariables,
  validateTemplate,
} from '../../lib/templates';
import { sampleData } from './fixtures';
import { TEST_SENDER_POSTAL_ADDRESS } from '../support/sender-address';

const SENDER = { senderPostalAddress: TEST_SENDER_POSTAL_ADDRESS };

function email(html: string, text = 'text', subject = 'subject') {
  return compileTemplate('t', { email: { subject, html, text } });
}

describe('renderEmail', () => {
  it('escapes HTML in the HTML part but not in the text part or subject', () => {
    // Prepare
    const template = email('<p>{{ customer.firstName }}</p>', '{{ customer.firstName }}', 'For {{ customer.firstName }}');
    const data = sampleData({ firstName: '<script>alert("x")</script> & \'co\'' });
    // Act
    const rendered = renderEmail(template, data);
    // Assess
    expect(rendered.html).toBe('<p>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;co&#39;</p>');
    expect(rendered.text).toBe('<script>alert("x")</script> & \'co\'');
    expect(rendered.subject).toBe('For <script>alert("x")</script> & \'co\'');
  });

  it("prints the sender's postal address escaped with its line breaks in the HTML part, and as written in the text part", () => {
    // Prepare: an address on several lines, with an ampersand and angle brackets
    const template = email('<p>{{ senderPostalAddress | newline_to_br }}</p>', '{{ senderPostalAddress }}');
    const data = { ...sampleData(), senderPostalAddress: 'Smith & Sons <Shop>\n1 Main Street\nSpringfield' };
    // Act
    const rendered = renderEmail(template, data);
    // Assess
    expect(rendered.html).toBe('<p>Smith &amp; Sons &lt;Shop&gt;<br />\n1 Main Street<br />\nSpringfield</p>');
    expect(rendered.text).toBe('Smith & Sons <Shop>\n1 Main Street\nSpringfield');
  });

  it('escapes a value piped through escape or escape_once in the HTML part once, not twice', () => {
    // Prepare: the Liquid idiom for HTML, on a name with an apostrophe and an ampersand
    const template = email('<p>{{ customer.firstName | escape }}, {{ customer.firstName | escape_once }}, {{ customer.attributes.tier | xml_escape }}</p>');
    const data = sampleData({ firstName: "O'Brien & Co", attributes: { tier: '<gold>' } });
    // Act
    const rendered = renderEmail(template, data);
    // Assess
    expect(rendered.html).toBe('<p>O&#39;Brien &amp; Co, O&#39;Brien &amp; Co, &lt;gold&gt;</p>');
  });

  it('prints what a capture block rendered as it is, its customer data escaped once', () => {
    // Prepare: a greeting and a call-to-action built in capture blocks, for a customer named O'Brien
    const template = email(
      '{% capture greeting %}Hello {{ customer.firstName }}{% endcapture %}<p>{{ greeting }}</p>' +
        '{% capture cta %}<a href="{{ preferencesUrl }}">Your preferences</a>{% endcapture %}{{ cta }}',
    );
    const data = { ...sampleData({ firstName: "Siobhán O'Brien" }), preferencesUrl: 'https://prefs.example.com/preferences?a=1&b=2' };
    // Act
    const rendered = renderEmail(template, data);
    // Assess
    expect(rendered.html).toBe(
      '<p>Hello Siobhán O&#39;Brien</p><a href="https://prefs.example.com/preferences?a=1&amp;b=2">Your preferences</a>',
    );
  });

  it('prints a captured value through assign and default as it is, and compares it as its text', () => {
    // Prepare
    const template = email(
      '{% capture greeting %}<b>{{ customer.firstName }}</b>{% endcapture %}{% assign copy = greeting %}' +
        '{{ greeting | default: "there" }}|{{ copy }}|{% if greeting contains "Brien" %}{{ greeting.size }}{% endif %}|{% if greeting == "<b>O&#39;Brien</b>" %}equal{% endif %}',
    );
    // Act
    const rendered = renderEmail(template, sampleData({ firstName: "O'Brien" }));
    // Assess
    expect(rendered.html).toBe('<b>O&#39;Brien</b>|<b>O&#39;Brien</b>|18|equal');
  });

  it('escapes a captured value again when another filter changes it, or echo prints it, as any value', () => {
    // Prepare
    const template = email('{% capture greeting %}<b>{{ customer.firstName }}</b>{% endcapture %}{{ greeting | upcase }}|{% echo greeting %}');
    // Act
    const rendered = renderEmail(template, sampleData({ firstName: 'Ana' }));
    // Assess
    expect(rendered.html).toBe('&lt;B&gt;ANA&lt;/B&gt;|&lt;b&gt;Ana&lt;/b&gt;');
  });

  it('turns line breaks into <br /> with newline_to_br and escapes the rest of the value once', () => {
    // Prepare: an address as a customer typed it, on its own and after the Liquid idiom | escape
    const template = email('<p>{{ customer.attributes.address | newline_to_br }}</p><p>{{ customer.attributes.address | escape | newline_to_br }}</p>');
    const data = sampleData({ attributes: { address: "O'Brien & Co\r\n<b>1 Main St</b>" } });
    // Act
    const rendered = renderEmail(template, data);
    // Assess
    expect(rendered.html).toBe(
      '<p>O&#39;Brien &amp; Co<br />\n&lt;b&gt;1 Main St&lt;/b&gt;</p><p>O&#39;Brien &amp; Co<br />\n&lt;b&gt;1 Main St&lt;/b&gt;</p>',
    );
    expect(renderEmail(email('<p>x</p>', '{{ customer.attributes.address | newline_to_br }}'), data).text).toBe(
      "O'Brien & Co<br />\n<b>1 Main St</b>",
    );
  });

  it('folds line breaks a variable brings into the subject, so no header can be injected', () => {
    // Prepare
    const template = email('<p>x</p>', 'x', 'Hi {{ customer.attributes.tier }}');
    // Act
    const rendered = renderEmail(template, sampleData({ attributes: { tier: 'gold\r\nBcc: someone@example.com' } }));
    // Assess
    expect(rendered.subject).toBe('Hi gold Bcc: someone@example.com');
  });

  it('throws, naming template, part and variable, when a customer lacks an attribute the template prints', () => {
    // Prepare
    const template = email('<p>{{ customer.attributes.tier }}</p>');
    // Act
    const render = () => renderEmail(template, sampleData({ attributes: {} }));
    // Assess
    expect(render).toThrow(TemplateRenderError);
    expect(render).toThrow('template "t" email.html cannot be rendered: undefined variable: customer.attributes.tier');
  });

  it('lets a template handle an optional variable explicitly with if or default', () => {
    // Prepare
    const template = email(
      '<p>Hi{% if customer.firstName %} {{ customer.firstName }}{% endif %}</p>',
      'Hi {{ customer.firstName | default: "there" }}',
    );
    const data = sampleData();
    delete data.customer.firstName;
    // Act
    const rendered = renderEmail(template, data);
    // Assess
    expect(rendered.html).toBe('<p>Hi</p>');
    expect(rendered.text).toBe('Hi there');
  });

  it('still throws for an optional variable used bare', () => {
    // Prepare
    const template = email('<p>Hi {{ customer.firstName }}</p>');
    const data = sampleData();
    delete data.customer.firstName;
    // Act
    const render = () => renderEmail(template, data);
    // Assess
    expect(render).toThrow('undefined variable: customer.firstName');
  });

  it('throws, rather than print a blank, for an optional variable assigned and then printed', () => {
    // Prepare
    const template = compileTemplate('greet', {
      email: {
        subject: 'News',
        html: '{% assign name = customer.firstName %}<p>Hello {{ name }},</p>',
        text: '{% assign name = customer.firstName %}Hello {{ name }}, here is our news.',
      },
      sms: '{% assign name = customer.firstName | upcase %}Hi {{ name }}, 20% off today.',
    });
    const data = sampleData({ attributes: { tier: 'gold' } });
    delete data.customer.firstName;
    // Act
    const renderMail = () => renderEmail(template, data);
    const renderText = () => renderSms(template, data);
    // Assess
    expect(renderMail).toThrow('template "greet" email.html cannot be rendered: undefined variable: customer.firstName');
    expect(renderText).toThrow('template "greet" sms cannot be rendered: undefined variable: customer.firstName');
  });

  it('lets an assign give an optional variable a fallback with default, and assign a present one', () => {
    // Prepare
    const template = compileTemplate('greet', {
      sms: '{% assign name = customer.firstName | default: "there" | upcase %}{% assign tier = customer.attributes.tier %}Hi {{ name }}, {{ tier }}',
    });
    const data = sampleData();
    delete data.customer.firstName;
    // Act
    const text = renderSms(template, data);
    // Assess
    expect(text).toBe('Hi THERE, gold');
  });

  it('refuses a part that renders to nothing', () => {
    // Prepare
    const template = email('{% if customer.attributes.vip == false %}<p>x</p>{% endif %}');
    // Act
    const render = () => renderEmail(template, sampleData());
    // Assess
    expect(render).toThrow('template "t" email.html cannot be rendered: renders empty');
  });

  it('refuses personalization data with a null or empty value instead of printing a blank', () => {
    // Prepare
    const template = email('<p>{{ customer.attributes.tier }}</p>');
    const data = sampleData({ attributes: { tier: '' } });
    // Act
    const render = () => renderEmail(template, data);
    // Assess
    expect(render).toThrow('personalization data is invalid at customer.attributes.tier');
  });

  it('refuses a template without an email version', () => {
    // Act
    const render = () => renderEmail(compileTemplate('t', { sms: 'x' }), sampleData());
    // Assess
    expect(render).toThrow(TemplateNotFoundError);
  });
});

/** Dates in the customer's zone; that they print the same on any host is ./dates-any-host.test.ts's. */
describe('dates', () => {
  /** The personalization data of a customer in `timezone` with `attributes`, as the send function builds it. */
  function customerIn(timezone: string, attributes: Record<string, AttributeValue>) {
    const snapshot: CustomerSnapshot = {
      profile: { customerId: 'c-9', stage: 'active', timezone, updatedAt: '2026-02-01T12:00:00Z' },
      consents: [],
      preferences: {},
      suppressions: [],
      attributes: Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name, { value, changedAt: '2026-02-01T12:00:00Z' }])),
      frequency: { sends: [], version: 0 },
    };
    return personalizationFor(snapshot, { unsubscribeUrl: 'https://p.example.com/u?t=a', preferencesUrl: 'https://p.example.com/p?t=b' }, SENDER);
  }

  it("prints an instant in the customer's time zone", () => {
    // Prepare: the offer ends at 03:00 UTC, 22:00 the evening before in New York
    const template = compileTemplate('t', { sms: 'Ends {{ customer.attributes.offerEndsAt | date: "%A %B %-d at %-I:%M %p" }}' });
    const data = customerIn('America/New_York', { offerEndsAt: '2026-03-01T03:00:00Z' });
    // Act
    const text = renderSms(template, data);
    // Assess
    expect(text).toBe('Ends Saturday February 28 at 10:00 PM');
  });

  it('prints the same instant in Tokyo for a customer there, in every part', () => {
    // Prepare
    const template = email(
      '<p>{{ customer.attributes.offerEndsAt | date: "%-d %b %H:%M %z" }}</p>',
      '{{ customer.attributes.offerEndsAt | date_to_xmlschema }}',
      'Until {{ customer.attributes.offerEndsAt | date: "%-d %b %H:%M" }}',
    );
    // Act
    const rendered = renderEmail(template, customerIn('Asia/Tokyo', { offerEndsAt: '2026-03-01T03:00:00Z' }));
    // Assess
    expect(rendered).toEqual({ subject: 'Until 1 Mar 12:00', html: '<p>1 Mar 12:00 +0900</p>', text: '2026-03-01T12:00:00+09:00' });
  });

  it('prints a calendar date, and a local time without an offset, as written, west of UTC too', () => {
    // Prepare
    const template = compileTemplate('t', {
      sms: '{{ customer.attributes.renewsOn | date: "%A %B %-d" }}, {{ customer.attributes.renewsOn | date: "%Y-%m-%d", "Asia/Tokyo" }}, {{ customer.attributes.doorsOpen | date: "%-d %b %-I:%M %p" }}',
    });
    const data = customerIn('America/Los_Angeles', { renewsOn: '2026-03-01', doorsOpen: '2026-03-01T18:30' });
    // Act
    const text = renderSms(template, data);
    // Assess
    expect(text).toBe('Sunday March 1, 2026-03-01, 1 Mar 6:30 PM');
  });

  it('lets a template name the time zone itself, and print the customer\'s', () => {
    // Prepare
    const template = compileTemplate('t', {
      sms: '{{ customer.attributes.offerEndsAt | date: "%H:%M", "Europe/Paris" }} Paris, {{ customer.attributes.offerEndsAt | date: "%H:%M" }} {{ customer.timezone }}',
    });
    // Act
    const text = renderSms(template, customerIn('America/New_York', { offerEndsAt: '2026-03-01T03:00:00Z' }));
    // Assess
    expect(text).toBe('04:00 Paris, 22:00 America/New_York');
    expect(templateVariableProblems(template)).toEqual([]);
  });

  it('prints dates in UTC for data that names no time zone', () => {
    // Prepare
    const template = compileTemplate('t', { sms: '{{ customer.attributes.offerEndsAt | date: "%-d %b %H:%M" }}' });
    // Act
    const text = renderSms(template, sampleData({ attributes: { offerEndsAt: '2026-03-01T03:00:00Z' } }));
    // Assess
    expect(text).toBe('1 Mar 03:00');
  });
});

describe('strict filters', () => {
  it('refuses an unknown filter when the template is compiled', () => {
    // Act
    const compile = () => compileTemplate('t', { sms: 'Hi {{ customer.firstName | shout }}' });
    // Assess
    expect(compile).toThrow(TemplateSyntaxError);
    expect(compile).toThrow('template "t" sms does not parse: undefined filter: shout');
  });

  it('allows the standard filters', () => {
    // Prepare
    const template = compileTemplate('t', { sms: '{{ customer.firstName | upcase }} {{ customer.attributes.interests | join: "+" }}' });
    // Act
    const text = renderSms(template, sampleData());
    // Assess
    expect(text).toBe('ANA running+cycling');
  });

  it('never reads a partial from disk, so a template is self-contained', () => {
    // Prepare: a file in the working directory, which liquid's default file system would read.
    const compile = () => compileTemplate('t', { sms: '{% include "package.json" %}' });
    // Act, Assess
    expect(compile).toThrow(TemplateSyntaxError);
    expect(compile).toThrow('template "t" sms does not parse: {% include %} is not supported');
  });
});

describe('the static variable check', () => {
  it('lists the variables each part reads, without loop or assigned locals', () => {
    // Prepare
    const template = compileTemplate('t', {
      sms: '{% assign n = customer.attributes.visits %}{% for i in customer.attributes.interests %}{{ i }}{{ forloop.index }}{% endfor %}{{ n }}',
      mail: { printTemplate: 'p', mergeFields: ['tier'] },
    });
    // Act
    const uses = templateVariables(template).map((use) => `${use.part} ${use.path}`);
    // Assess
    expect(uses).toEqual(['sms customer.attributes.visits', 'sms customer.attributes.interests', 'mail.mergeFields tier']);
  });

  it.each([
    ['an unknown customer field', '{{ customer.nickname }}', 'customer.nickname', 'which the profile does not provide'],
    ['an unknown top-level variable', '{{ shop.name }}', 'shop.name', 'which the profile does not provide'],
    ['a property of a text', '{{ customer.id.foo }}', 'customer.id.foo', 'which a text does not have (a text has .size and .length)'],
    ['the whole customer', '{{ customer }}', 'customer', 'which is the whole customer, not a value'],
    ['all attributes', '{{ customer.attributes }}', 'customer.attributes', 'which is all the attributes, not a value'],
    ['a computed attribute', '{{ customer.attributes[customer.id] }}', 'customer.attributes[customer.id]', 'a computed lookup that cannot be checked'],
  ])('refuses %s', (_case, source, variable, why) => {
    // Prepare
    const template = compileTemplate('t', { sms: source });
    // Act
    const problems = templateVariableProblems(template).map((problem) => problem.message);
    // Assess
    expect(problems).toContain(`template "t" sms uses "${variable}", ${why}`);
  });

  it.each([
    '{{ customer.id }} {{ customer.stage }} {{ unsubscribeUrl }} {{ preferencesUrl }}',
    '{{ customer.attributes.interests.size }} {{ customer.attributes.interests.first }} {{ customer.attributes.interests[0] }}',
    '{% if customer.firstName %}{{ customer.firstName }}{% endif %}',
  ])('accepts %s', (source) => {
    // Prepare
    const template = compileTemplate('t', { sms: source });
    // Act
    const problems = templateVariableProblems(template);
    // Assess
    expect(problems).toEqual([]);
  });

  it('validateTemplate reports the static problem before trying to render', () => {
    // Prepare
    const template = email('<p>{{ customer.nickname }}</p>');
    // Act
    const validate = () => validateTemplate(template, sampleData());
    // Assess
    expect(validate).toThrow(TemplateVariableError);
    expect(validate).toThrow('template "t" email.html uses "customer.nickname", which the profile does not provide');
  });
});

describe('mailMergeFields', () => {
  it('resolves links, customer fields and attributes, in the listed order', () => {
    // Prepare
    const template = compileTemplate('t', {
      mail: { printTemplate: 'card-v2', mergeFields: ['firstName', 'tier', 'interests', 'preferencesUrl', 'id'] },
    });
    // Act
    const rendered = mailMergeFields(template, sampleData());
    // Assess
    expect(rendered).toEqual({
      printTemplate: 'card-v2',
      mergeFields: {
        firstName: 'Ana',
        tier: 'gold',
        interests: ['running', 'cycling'],
        preferencesUrl: 'https://prefs.example.com/preferences?token=c.d',
        id: 'c-001',
      },
    });
    expect(Object.keys(rendered.mergeFields)).toEqual(['firstName', 'tier', 'interests', 'preferencesUrl', 'id']);
  });

  it('throws rather than print a blank when a merge field has no value', () => {
    // Prepare
    const template = compileTemplate('t', { mail: { printTemplate: 'p', mergeFields: ['shoeSize'] } });
    // Act
    const merge = () => mailMergeFields(template, sampleData());
    // Assess
    expect(merge).toThrow('template "t" mail.mergeFields cannot be rendered: merge field "shoeSize" has no value for this customer');
  });

  it('leaves out an optional merge field the customer has no value for, and merges it when there is one', () => {
    // Prepare
    const template = compileTemplate('t', {
      mail: { printTemplate: 'p', mergeFields: ['preferencesUrl'], optionalMergeFields: ['shoeSize', 'firstName'] },
    });
    // Act
    const rendered = mailMergeFields(template, sampleData());
    // Assess
    expect(rendered.mergeFields).toEqual({ preferencesUrl: 'https://prefs.example.com/preferences?token=c.d', firstName: 'Ana' });
  });
});

describe('personalizationFor', () => {
  const changedAt = '2026-03-01T12:00:00Z';
  const links = { unsubscribeUrl: 'https://p.example.com/unsubscribe?token=a', preferencesUrl: 'https://p.example.com/preferences?token=b' };

  /** Customer c-9 with `attributes`, each learnt at `changedAt`, and `email` when given. */
  function snapshotWith(attributes: Record<string, AttributeValue>, email?: string): CustomerSnapshot {
    return {
      profile: { customerId: 'c-9', stage: 'active', timezone: 'Europe/Paris', ...(email === undefined ? {} : { email }), updatedAt: changedAt },
      consents: [],
      preferences: {},
      suppressions: [],
      attributes: Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name, { value, changedAt }])),
      frequency: { sends: [], version: 0 },
    };
  }
  it('builds the data from the snapshot, leaving out null and empty attributes and taking firstName from the attribute', () => {
    // Prepare
    const snapshot = snapshotWith({ firstName: 'Léa', tier: null, note: '', visits: 0, 'bad name': 'x' }, 'x@example.com');
    // Act
    const data = personalizationFor(snapshot, links, SENDER);
    // Assess
    expect(data).toEqual({
      customer: { id: 'c-9', stage: 'active', firstName: 'Léa', timezone: 'Europe/Paris', attributes: { firstName: 'Léa', visits: 0 } },
      ...links,
      senderPostalAddress: TEST_SENDER_POSTAL_ADDRESS,
    });
  });

  it('leaves out an empty list, so "if" skips it and a template never prints a blank where the list goes', () => {
    // Prepare
    const snapshot = snapshotWith({ interests: [], tags: ['vip'] });
    // The catalog's own wording (nurture, tips, cross-sell-interests, first-purchase-nudge).
    const template = email(
      '<p>New this week.{% if customer.attributes.interests %} We noted your interest in {{ customer.attributes.interests | join: ", " }}.{% endif %}</p>',
    );
    // Act
    const data = personalizationFor(snapshot, links, SENDER);
    const rendered = renderEmail(template, data);
    // Assess
    expect(data.customer.attributes).toEqual({ tags: ['vip'] });
    expect(rendered.html).toBe('<p>New this week.</p>');
  });

  it('leaves out a value of spaces only and the blank items of a list, so a fallback greets the customer instead of a blank', () => {
    // Prepare: what an empty form field with a space in it, or a list with an empty entry, brings
    const snapshot = snapshotWith({ firstName: '  ', interests: ['running', ' ', ''], tags: ['', '\t'] });
    const template = compileTemplate('t', {
      sms: 'Hello {{ customer.firstName | default: "there" }}.{% if customer.attributes.interests %} You like {{ customer.attributes.interests | join: ", " }}.{% endif %}',
    });
    // Act
    const data = personalizationFor(snapshot, links, SENDER);
    // Assess
    expect(data.customer).toEqual({ id: 'c-9', stage: 'active', timezone: 'Europe/Paris', attributes: { interests: ['running'] } });
    expect(renderSms(template, data)).toBe('Hello there. You like running.');
  });
});
