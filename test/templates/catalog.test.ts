import { existsSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_OPT_OUT_INSTRUCTION, SMS_BRAND_MAX_LENGTH, withOptOutInstruction, withSenderBrand } from '../../lib/channels/sms';
import { countSmsSegments } from '../../lib/channels/sms-segments';
import {
  loadTemplateCatalog,
  renderEmail,
  TemplateCatalogError,
  TemplateNotFoundError,
  TemplateVariableError,
  validateTemplate,
} from '../../lib/templates';
import { messageLinks } from '../../lib/unsubscribe';
import { catalogFolder, PLAIN_EMAIL, problemsOf, sampleData } from './fixtures';
import { TEST_SENDER_POSTAL_ADDRESS } from '../support/sender-address';

describe('loadTemplateCatalog', () => {
  it('supports a channel exactly when its files exist', () => {
    // Prepare
    const dir = catalogFolder({
      everywhere: { ...PLAIN_EMAIL, 'sms.liquid': 'Hi {{ customer.id }}', 'mail.json': '{"printTemplate":"p1","mergeFields":["tier"]}' },
      'email-only': PLAIN_EMAIL,
      'sms-only': { 'sms.liquid': 'Hi' },
    });
    // Act
    const catalog = loadTemplateCatalog(dir);
    // Assess
    expect(catalog.ids()).toEqual(['email-only', 'everywhere', 'sms-only']);
    expect(catalog.channelsOf('everywhere')).toEqual(['email', 'sms', 'mail']);
    expect(catalog.channelsOf('email-only')).toEqual(['email']);
    expect(catalog.has('sms-only', 'sms')).toBe(true);
    expect(catalog.has('sms-only', 'email')).toBe(false);
    expect(catalog.has('missing', 'email')).toBe(false);
    expect(catalog.channelsOf('missing')).toEqual([]);
    expect(() => catalog.get('missing')).toThrow(TemplateNotFoundError);
  });

  it('refuses an email with only some of its three parts', () => {
    // Prepare
    const dir = catalogFolder({ half: { 'email.subject.liquid': 'Hi', 'email.html.liquid': '<p>Hi</p>' } });
    // Act
    const problems = problemsOf(() => loadTemplateCatalog(dir));
    // Assess
    expect(problems).toEqual([
      'template "half" has email.subject.liquid, email.html.liquid but not email.text.liquid: email needs all three',
    ]);
  });

  it('lists every problem of every template at once', () => {
    // Prepare
    const dir = catalogFolder({
      nickname: { ...PLAIN_EMAIL, 'email.html.liquid': '<p>Hi {{ customer.nickname }}</p>' },
      typo: { 'sms.liqiud': 'Hi' },
      'bad-mail': { 'mail.json': '{"printTemplate":"","mergeFields":["first name"]}' },
      'bad-filter': { 'sms.liquid': '{{ customer.id | shout }}' },
      Upper: { 'sms.liquid': 'Hi' },
      empty: {},
    });
    // Act
    const problems = problemsOf(() => loadTemplateCatalog(dir));
    // Assess
    expect(problems).toEqual([
      'template folder "Upper" is not a valid template id (lower-case letters, digits, "-")',
      expect.stringMatching(/^template "bad-filter" sms does not parse: undefined filter: shout/),
      expect.stringMatching(/^template "bad-mail" mail\.json is invalid: printTemplate: .*; mergeFields\.0: /),
      'template "empty" has no channel files',
      'template "nickname" email.html uses "customer.nickname", which the profile does not provide',
      'template "typo" has unknown file(s) sms.liqiud; expected email.subject.liquid, email.html.liquid, email.text.liquid, sms.liquid, mail.json',
    ]);
  });

  it('refuses attributes outside the known attribute names when they are given', () => {
    // Prepare
    const dir = catalogFolder({
      tiers: { 'sms.liquid': '{{ customer.attributes.tier }}', 'mail.json': '{"printTemplate":"p","mergeFields":["shoeSize"]}' },
    });
    // Act
    const problems = problemsOf(() => loadTemplateCatalog(dir, { attributeNames: ['tier'] }));
    // Assess
    expect(problems).toEqual(['template "tiers" mail.mergeFields uses "shoeSize", which the profile does not provide']);
  });

  it('ignores folders starting with "." or "_" and files that are not templates', () => {
    // Prepare
    const dir = catalogFolder({ _drafts: { 'sms.liquid': '{{ nope }}' }, '.git': {}, ok: { 'sms.liquid': 'Hi', 'README.md': '# ok' } });
    // Act
    const catalog = loadTemplateCatalog(dir);
    // Assess
    expect(catalog.ids()).toEqual(['ok']);
  });

  it('validates a template of the catalog with sample data and returns the rendered preview', () => {
    // Prepare
    const catalog = loadTemplateCatalog(catalogFolder({ hello: { 'sms.liquid': 'Hi {{ customer.attributes.tier }}' } }));
    // Act
    const preview = validateTemplate(catalog.get('hello'), sampleData());
    // Assess
    expect(preview).toEqual({ sms: 'Hi gold' });
  });

  it('fails validation of a template of the catalog when the sample lacks an attribute it prints', () => {
    // Prepare
    const catalog = loadTemplateCatalog(catalogFolder({ hello: { 'sms.liquid': 'Hi {{ customer.attributes.shoeSize }}' } }));
    // Act
    const validate = () => validateTemplate(catalog.get('hello'), sampleData());
    // Assess
    expect(validate).toThrow('template "hello" sms cannot be rendered: undefined variable: customer.attributes.shoeSize');
  });
});

describe('the project templates in workflows/templates', () => {
  const catalogDir = path.join(__dirname, '../../workflows/templates');
  const catalog = loadTemplateCatalog(catalogDir);

  it.each(catalog.ids())('%s validates against the data model and renders with sample data', (templateId) => {
    // Act
    const preview = validateTemplate(catalog.get(templateId), sampleData());
    // Assess
    expect(Object.keys(preview).sort()).toEqual([...catalog.channelsOf(templateId)].sort());
  });

  it.each(['welcome', 'tips'])('%s renders for a customer with no first name or attributes', (templateId) => {
    // Prepare
    const bare = sampleData({ attributes: {} });
    delete bare.customer.firstName;
    // Act
    const validate = () => validateTemplate(catalog.get(templateId), bare);
    // Assess
    expect(validate).not.toThrow();
  });

  describe('texts', () => {
    const smsTemplates = catalog.ids().filter((templateId) => catalog.channelsOf(templateId).includes('sms'));
    /**
     * What the send path gives a text: signed links at the README's public URL. The link carries
     * the customer id, so the worst case is the longest common id, a UUID (36 characters).
     */
    const linksFor = (customerId: string) =>
      messageLinks(
        { customerId, channel: 'sms', topic: 'marketing' },
        { baseUrl: 'https://preferences.example.com', secret: 'catalog-test-secret-0123456789abcdef' },
        new Date('2026-03-02T09:00:00Z'),
      );
    const UUID_ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
    const SHORT_ID = 'cus_4f8a2b9c1d3e5f7a';

    /** The longest brand a deployment may put in front of marketing texts (overture:smsBrand). */
    const LONGEST_BRAND = 'B'.repeat(SMS_BRAND_MAX_LENGTH);

    /** The text the customer receives: the rendered template with the brand and opt-out line the sender adds to marketing texts. */
    function finalMarketingText(templateId: string, firstName?: string, customerId = UUID_ID): string {
      const data = { ...sampleData(firstName === undefined ? {} : { firstName }), ...linksFor(customerId) };
      if (firstName === undefined) delete data.customer.firstName;
      const { sms } = validateTemplate(catalog.get(templateId), data);
      return withOptOutInstruction(withSenderBrand(sms ?? '', LONGEST_BRAND), DEFAULT_OPT_OUT_INSTRUCTION);
    }

    /** Names that break a text: long ones, and ones with characters outside GSM-7. */
    const WORST_CASE_NAMES = ['Zoë', 'Alexandrina', 'Anne-Charlotte', 'Chloë-Renée', 'Maximiliana-Bernadette', 'Łucja', 'O’Brien', 'Дмитрий', 'Ana 🌸', undefined];

    it.each(smsTemplates.flatMap((templateId) => WORST_CASE_NAMES.map((name) => [templateId, name] as const)))(
      '%s texts one GSM-7 segment, brand of the longest length and opt-out line included, for a UUID customer id and first name %j',
      (templateId, name) => {
        // Act
        const text = finalMarketingText(templateId, name);
        // Assess
        expect(countSmsSegments(text)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
      },
    );

    it.each(smsTemplates.filter((templateId) => catalog.get(templateId).sms?.source.includes('customer.firstName')))(
      '%s has room for a first name of 14 characters for a 20-character customer id, and prints one in GSM-7',
      (templateId) => {
        // Act
        const long = finalMarketingText(templateId, 'Anne-Charlotte', SHORT_ID);
        const accented = finalMarketingText(templateId, 'Zoë', SHORT_ID);
        // Assess
        expect(long).toContain('Anne-Charlotte');
        expect(accented).toContain('Zoe');
      },
    );
  });

  it("shows the sender's postal address in the footer of every marketing email, in both parts", () => {
    // Prepare: the templates with an email part that are not declared transactional
    const marketing = catalog.ids().filter((id) => catalog.channelsOf(id).includes('email') && !existsSync(path.join(catalogDir, id, 'transactional.md')));
    // Act
    const rendered = marketing.map((id) => ({ id, ...renderEmail(catalog.get(id), sampleData()) }));
    // Assess: every line of the address, the HTML's escaped and broken with <br />
    expect(marketing).toContain('welcome');
    for (const email of rendered) {
      expect({ id: email.id, text: email.text.includes(TEST_SENDER_POSTAL_ADDRESS) }).toEqual({ id: email.id, text: true });
      expect({ id: email.id, html: email.html.includes(TEST_SENDER_POSTAL_ADDRESS.split('\n').join('<br />\n')) }).toEqual({ id: email.id, html: true });
    }
  });

  it('offers welcome on email, SMS and mail, and tips on email only', () => {
    // Assess
    expect(catalog.channelsOf('welcome')).toEqual(['email', 'sms', 'mail']);
    expect(catalog.channelsOf('tips')).toEqual(['email']);
  });

  it('gives a TemplateVariableError naming template, part and variable', () => {
    // Prepare
    const dir = catalogFolder({ welcome: { ...PLAIN_EMAIL, 'email.html.liquid': '{{ customer.nickname }}' } });
    // Act
    let caught: unknown;
    try {
      loadTemplateCatalog(dir);
    } catch (error) {
      caught = error;
    }
    // Assess
    const [problem] = (caught as TemplateCatalogError).problems;
    expect(problem).toBeInstanceOf(TemplateVariableError);
    expect(problem).toMatchObject({ templateId: 'welcome', part: 'email.html', variable: 'customer.nickname' });
  });
});

describe('templates that read other files', () => {
  it.each([
    ['email.html', 'render', { 'email.html.liquid': '<p>Hello</p>{% render "footer" %}' }],
    ['email.text', 'include', { 'email.text.liquid': 'Hello {% include "footer" %}' }],
    ['email.subject', 'layout', { 'email.subject.liquid': '{% layout "base" %}Hello' }],
    ['sms', 'include', { 'sms.liquid': 'Hi {% include "footer" %}' }],
  ])('fail loading, naming the template, %s and {%% %s %%}, instead of failing at every send', (part, tag, files) => {
    // Prepare
    const dir = catalogFolder({
      hello: { 'email.subject.liquid': 'Hello', 'email.html.liquid': '<p>Hello</p>', 'email.text.liquid': 'Hello', ...files },
    });
    // Act
    const problems = problemsOf(() => loadTemplateCatalog(dir));
    // Assess
    expect(problems).toEqual([
      expect.stringContaining(`template "hello" ${part} does not parse: {% ${tag} %} is not supported: a template is self-contained`),
    ]);
  });
});
