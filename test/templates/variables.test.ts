import { compileTemplate, loadTemplateCatalog, renderSms, templateVariableProblems } from '../../lib/templates';
import { catalogFolder, problemsOf, sampleData } from './fixtures';
import { smsReadsFirstName } from '../../lib/templates/variables';

describe('accessors in the static variable check', () => {
  it.each(['first', 'last'])('fails loading a template that reads .%s of a customer text field, which throws at every send', (accessor) => {
    // Prepare
    const dir = catalogFolder({ initial: { 'sms.liquid': `Hi {{ customer.firstName.${accessor} }}, 20% off today.` } });
    // Act
    const problems = problemsOf(() => loadTemplateCatalog(dir));
    // Assess
    expect(problems).toEqual([
      `template "initial" sms uses "customer.firstName.${accessor}", which a text does not have (a text has .size and .length)`,
    ]);
  });

  it('fails loading a template that indexes a customer text field or a link', () => {
    // Prepare
    const template = compileTemplate('initial', { sms: 'Hi {{ customer.firstName[4] }} {{ preferencesUrl.first }}' });
    // Act
    const problems = templateVariableProblems(template).map((problem) => problem.variable);
    // Assess
    expect(problems).toEqual(['customer.firstName[4]', 'preferencesUrl.first']);
  });

  it('accepts .size and .length of a text, which liquid resolves, and renders them', () => {
    // Prepare
    const template = compileTemplate('initial', { sms: '{{ customer.firstName.size }} {{ customer.firstName.length }} {{ unsubscribeUrl.size }}' });
    // Act
    const problems = templateVariableProblems(template);
    // Assess
    expect(problems).toEqual([]);
    expect(renderSms(template, sampleData({ firstName: 'Ana' }))).toBe('3 3 47');
  });

  it('keeps .first, .last, .length and indexes for attributes, which may be lists', () => {
    // Prepare
    const template = compileTemplate('picks', {
      sms: '{{ customer.attributes.interests.first }} {{ customer.attributes.interests.last }} {{ customer.attributes.interests[1] }} {{ customer.attributes.interests.length }}',
    });
    // Act
    const problems = templateVariableProblems(template);
    // Assess
    expect(problems).toEqual([]);
    expect(renderSms(template, sampleData())).toBe('running cycling cycling 2');
  });
});

describe('whether the SMS part reads the first name', () => {
  it.each([
    ['Hi {{ customer.firstName }}, 20% off today.'],
    ['Hi {{ customer.firstName | default: "there" }}.'],
    ['{% if customer.attributes.firstName %}Hi {{ customer.attributes["firstName"] }}{% endif %}'],
    ['{% assign c = customer %}{{ c.firstName }}'],
    ['{% for value in customer.attributes %}{{ value }}{% endfor %}'],
    ['{% assign key = "tier" %}{{ customer.attributes[key] }}'],
    ['{{ customer.attributes.tier[customer.firstName] }}'],
  ])('says yes when the SMS part may read it: %s', (sms) => {
    // Prepare
    const template = compileTemplate('t', { sms });
    // Act
    const reads = smsReadsFirstName(template);
    // Assess
    expect(reads).toBe(true);
  });

  it.each([['20% off today for {{ customer.attributes.tier }} members: {{ preferencesUrl }}'], ['{{ customer.id | size }} days left']])(
    'says no when the SMS part cannot read it: %s',
    (sms) => {
      // Prepare
      const template = compileTemplate('t', { sms, email: { subject: 'Hi {{ customer.firstName }}', html: 'x', text: 'x' } });
      // Act
      const reads = smsReadsFirstName(template);
      // Assess
      expect(reads).toBe(false);
    },
  );
});
