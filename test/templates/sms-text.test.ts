import { SMS_BRAND_MAX_LENGTH } from '../../lib/channels/sms';
import { countSmsSegments } from '../../lib/channels/sms-segments';
import { compileTemplate, renderSms } from '../../lib/templates';
import { gsm7Text } from '../../lib/templates/sms-text';
import { sampleData } from './fixtures';

describe('gsm7Text', () => {
  it.each([
    ['Zoë', 'Zoe'],
    ['François', 'Francois'],
    ['Łukasz', 'Lukasz'],
    ['O’Brien', "O'Brien"],
    ['Anne–Charlotte', 'Anne-Charlotte'],
    ['Ｋｅｉ', 'Kei'],
    ['José Müller', 'José Müller'],
    ['Ana 🌸', 'Ana'],
    ['Ana  🌸  Lu', 'Ana Lu'],
  ])('writes %j as %j, in GSM-7', (name, written) => {
    // Act
    const text = gsm7Text(name);
    // Assess
    expect(text).toBe(written);
    expect(countSmsSegments(text ?? '').encoding).toBe('GSM-7');
  });

  it.each(['Дмитрий', '李', 'Zoë 李', '🌸'])('leaves out %j, which GSM-7 cannot write without misnaming', (name) => {
    // Act
    const text = gsm7Text(name);
    // Assess
    expect(text).toBeUndefined();
  });
});

describe('renderSms', () => {
  const greeting = compileTemplate('greet', {
    sms: 'Hi{% if customer.firstName %} {{ customer.firstName }}{% endif %}, your {{ customer.attributes.tier }} offer: {{ customer.attributes.interests | join: ", " }}.',
  });

  it('writes customer values in GSM-7, so the text stays GSM-7', () => {
    // Prepare
    const data = sampleData({ firstName: 'Zoë', attributes: { tier: 'or « premium »', interests: ['vélo', 'crêpe', 'курс'] } });
    // Act
    const text = renderSms(greeting, data);
    // Assess
    expect(text).toBe('Hi Zoe, your or " premium " offer: vélo, crepe.');
    expect(countSmsSegments(text).encoding).toBe('GSM-7');
  });

  it('renders as for a customer without a first name when the name GSM-7 cannot write', () => {
    // Act
    const text = renderSms(greeting, sampleData({ firstName: 'Дмитрий' }));
    // Assess
    expect(text).toBe('Hi, your gold offer: running, cycling.');
  });

  it('leaves out a first name that would make a marketing text two segments, and keeps one that fits', () => {
    // Prepare: with a 14-character name, the longest brand in front (9 and ": ") and the sender's opt-out line (22), exactly 160 characters.
    const template = compileTemplate('long', { sms: `Hello{% if customer.firstName %} {{ customer.firstName }}{% endif %}! ${'x'.repeat(105)}` });
    // Act
    const fits = renderSms(template, sampleData({ firstName: 'Alexandrina-Jo' }));
    const tooLong = renderSms(template, sampleData({ firstName: 'Alexandrina-Josephine' }));
    // Assess
    expect(fits).toMatch(/^Hello Alexandrina-Jo! x+$/);
    expect(`${'B'.repeat(SMS_BRAND_MAX_LENGTH)}: `.length + fits.length + '\nReply STOP to opt out'.length).toBe(160);
    expect(tooLong).toMatch(/^Hello! x+$/);
  });

  it('keeps a long first name that the template prints bare, rather than fail to render', () => {
    // Prepare
    const template = compileTemplate('bare', { sms: `Hello {{ customer.firstName }}! ${'x'.repeat(120)}` });
    // Act
    const text = renderSms(template, sampleData({ firstName: 'Alexandrina-Josephine' }));
    // Assess
    expect(text).toMatch(/^Hello Alexandrina-Josephine! x+$/);
  });
});
