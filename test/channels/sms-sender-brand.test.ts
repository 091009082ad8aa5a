/**
 * Marketing texts name their sender: CTIA's Messaging Principles (and carriers' 10DLC and
 * toll-free vetting) ask every marketing text to identify the brand or program that sends it.
 * The sender puts `<brand>: ` in front of each marketing text that does not already start with
 * it as a word of its own, the segment budget counts it, and the keyword answers name the same
 * brand.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DEFAULT_SMS_BRAND, prepareSms, SMS_BRAND_MAX_LENGTH, type SmsMessage } from '../../lib/channels/sms';
import { CONTEXT_KEYS, InvalidConfigError, readConfig } from '../../lib/config';
import { ConsentEndpoints } from '../../lib/constructs/consent-endpoints';
import { CustomerData } from '../../lib/constructs/customer-data';
import { Delivery } from '../../lib/constructs/delivery';
import { smsSenderConfig, SendEnvironmentSchema } from '../../lib/delivery/send-environment';
import { DEFAULT_HELP_TEXT } from '../../lib/sms-keywords/handle-inbound-sms';
import { fitsOneSegment } from '../../lib/templates/sms-text';
import { loadTemplateCatalog, renderSms, type PersonalizationData } from '../../lib/templates';
import { TEST_CONTEXT } from '../cdk/synthesize';
import { TEST_SENDER_POSTAL_ADDRESS } from '../support/sender-address';

const data: PersonalizationData = {
  customer: { id: 'c-001', stage: 'lapsed', firstName: 'Ann', timezone: 'America/New_York', attributes: {} },
  unsubscribeUrl: 'https://preferences.example.com/u/t',
  preferencesUrl: 'https://preferences.example.com/p/t',
  senderPostalAddress: TEST_SENDER_POSTAL_ADDRESS,
};
const sender = { originationIdentity: 'pool-test', configurationSetName: 'overture-test' };
const text = (body: string, topic: SmsMessage['topic'] = 'marketing'): SmsMessage => ({
  to: '+12125550143',
  customerId: 'c-001',
  journey: 'win-back',
  step: 'win-back-sms',
  topic,
  body,
});

function configWith(context: Record<string, unknown>): ReturnType<typeof readConfig> {
  return readConfig((key) => ({ [CONTEXT_KEYS.senderPostalAddress]: TEST_SENDER_POSTAL_ADDRESS, ...context })[key]);
}

describe('marketing texts identify their sender', () => {
  it('the win-back text, as handed to End User Messaging, names the program HELP names', () => {
    // Prepare
    const body = renderSms(loadTemplateCatalog('workflows/templates').get('win-back-sms'), data);
    // Act
    const { input } = prepareSms(text(body), sender);
    // Assess
    expect(DEFAULT_HELP_TEXT.startsWith(DEFAULT_SMS_BRAND)).toBe(true);
    expect(input.MessageBody).toBe(`${DEFAULT_SMS_BRAND}: We miss you, Ann! A lot has changed since your last order: come and see. Reply STOP to opt out.`);
  });

  it('puts the configured brand in front of a marketing text once, and leaves transactional texts alone', () => {
    const config = { ...sender, brand: 'Example' };
    expect(prepareSms(text('New arrivals are in.'), config).input.MessageBody).toBe('Example: New arrivals are in.\nReply STOP to opt out');
    expect(prepareSms(text('Example: New arrivals are in.'), config).input.MessageBody).toBe('Example: New arrivals are in.\nReply STOP to opt out');
    expect(prepareSms(text('Your code is 1234', 'transactional'), config).input.MessageBody).toBe('Your code is 1234');
  });

  it.each([
    ['Shop', 'Shopping week: 20% off everything.'],
    ['Sun', 'Sunday only: free delivery.'],
    ['Ace', 'Aces of the season are in.'],
  ])('names brand %s before a text whose first word merely begins with it', (brand, body) => {
    expect(prepareSms(text(body), { ...sender, brand }).input.MessageBody).toBe(`${brand}: ${body}\nReply STOP to opt out`);
  });

  it.each([['Shop: New arrivals are in.'], ['Shop - new arrivals are in.'], ['shop, new arrivals are in.'], ['Shop']])(
    'leaves %j, which already names the brand, as it is',
    (body) => {
      expect(prepareSms(text(body), { ...sender, brand: 'Shop' }).input.MessageBody).toBe(`${body}\nReply STOP to opt out`);
    },
  );

  it('counts the brand in the segment budget, for a brand of the longest length allowed', () => {
    // 160 GSM-7 characters with the opt-out line; the brand's 12 more make two segments.
    const body = 'x'.repeat(160 - '\nReply STOP to opt out'.length);
    expect(fitsOneSegment(body)).toBe(false);
    expect(fitsOneSegment(body.slice(SMS_BRAND_MAX_LENGTH + 2))).toBe(true);
    expect(prepareSms(text(body.slice(SMS_BRAND_MAX_LENGTH + 2)), { ...sender, brand: 'B'.repeat(SMS_BRAND_MAX_LENGTH) }).segments).toMatchObject({ segments: 1 });
  });
});

describe('the SMS brand setting', () => {
  const prod = {
    [CONTEXT_KEYS.environment]: 'prod',
    [CONTEXT_KEYS.fromAddress]: 'journeys@shop.example',
    [CONTEXT_KEYS.sendingIdentity]: 'shop.example',
    [CONTEXT_KEYS.smsOriginationIdentity]: 'pool-0123456789abcdef',
    [CONTEXT_KEYS.publicBaseUrl]: 'https://preferences.shop.example',
  };

  it('is required in prod (the brand the number was registered under) and defaults to the program elsewhere', () => {
    expect(() => configWith(prod)).toThrow(InvalidConfigError);
    expect(() => configWith(prod)).toThrow(/context "overture:smsBrand"/);
    expect(configWith({ ...prod, [CONTEXT_KEYS.smsBrand]: 'Shop' }).smsBrand).toBe('Shop');
    expect(configWith({}).smsBrand).toBe(DEFAULT_SMS_BRAND);
  });

  it.each([['Example Co'], ['Zoë'], [' '], ['Shop\nBcc']])('refuses the brand %j, naming the key', (brand) => {
    expect(() => configWith({ [CONTEXT_KEYS.smsBrand]: brand })).toThrow(/context "overture:smsBrand"/);
  });

  it('reaches the send function, which brands its texts with it, and the keyword answers', () => {
    // Prepare
    const app = new App({ context: { ...TEST_CONTEXT, [CONTEXT_KEYS.smsBrand]: 'Shop' } });
    const stack = new Stack(app, 'Brand');
    const config = readConfig((key) => app.node.tryGetContext(key));
    const customerData = new CustomerData(stack, 'CustomerData');

    // Act
    const delivery = new Delivery(stack, 'Delivery', { config, data: customerData, logRetention: RetentionDays.ONE_WEEK });
    new ConsentEndpoints(stack, 'Consent', { config, data: customerData, delivery, logRetention: RetentionDays.ONE_WEEK });

    // Assess
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ SMS_BRAND: 'Shop' }) } });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SMS_HELP_TEXT: Match.stringLikeRegexp('^Shop alerts\\. Reply STOP') }) },
    });
    const env = SendEnvironmentSchema.parse({
      CUSTOMER_TABLE_NAME: 't',
      FROM_EMAIL_ADDRESS: 'journeys@example.com',
      SENDER_POSTAL_ADDRESS: TEST_SENDER_POSTAL_ADDRESS,
      SES_CONFIGURATION_SET: 'c',
      SMS_ORIGINATION_IDENTITY: 'pool-1',
      SMS_CONFIGURATION_SET: 'c',
      SMS_BRAND: 'Shop',
      DIRECT_MAIL_QUEUE_URL: 'https://sqs.example.com/q',
      PUBLIC_BASE_URL: 'https://preferences.example.com',
      LINK_SECRET_ID: 's',
    });
    expect(prepareSms(text('New arrivals are in.'), smsSenderConfig(env)).input.MessageBody).toMatch(/^Shop: New arrivals/);
  });
});
