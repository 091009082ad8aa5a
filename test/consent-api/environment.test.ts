import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { PROVIDER_CLIENT_CONFIG } from '../../lib/channels/port';
import { SMS_TIME_TO_LIVE_SECONDS } from '../../lib/channels/sms';
import { ConsentApiEnvironmentSchema, consentApiDependencies, rateLimitOf } from '../../lib/consent-api';
import { EnvironmentError, readEnvironment } from '../../lib/runtime/environment';
import { DEFAULT_SMS_CONFIRMATION_TEXT } from '../../lib/consent-api/sms-double-opt-in';
import { SmsInboundEnvironmentSchema, DEFAULT_HELP_TEXT, DEFAULT_SMS_CONFIRMED_TEXT, smsInboundDependencies } from '../../lib/sms-keywords';

const base = {
  CUSTOMER_TABLE_NAME: 'overture-dev-customers',
  PUBLIC_BASE_URL: 'https://preferences.example.com',
  LINK_SECRET_ID: 'overture/dev/unsubscribe-key',
  FROM_EMAIL_ADDRESS: 'journeys@example.com',
  SES_CONFIGURATION_SET: 'overture-dev',
  SMS_ORIGINATION_IDENTITY: 'pool-0123',
  SMS_CONFIGURATION_SET: 'overture-dev-sms',
};

describe('the consent-api environment', () => {
  it('fills the topics and the rate limit with their defaults', () => {
    // Act
    const env = readEnvironment(ConsentApiEnvironmentSchema, base);
    // Assess
    expect(env.CONSENT_TOPICS).toEqual([{ topic: 'marketing', label: 'Offers and news' }]);
    expect(rateLimitOf(env)).toEqual({ burst: 20, ratePerSecond: 0.5 });
  });

  it('texts the default SMS confirmation unless the deployment words its own, which must say YES, STOP and HELP', () => {
    // Act
    const defaulted = readEnvironment(ConsentApiEnvironmentSchema, base);
    const own = readEnvironment(ConsentApiEnvironmentSchema, { ...base, SMS_CONFIRMATION_TEXT: 'Acme deals: reply yes to join. Stop: STOP. Help: HELP.' });
    // Assess
    expect(defaulted.SMS_CONFIRMATION_TEXT).toBe(DEFAULT_SMS_CONFIRMATION_TEXT);
    expect(own.SMS_CONFIRMATION_TEXT).toBe('Acme deals: reply yes to join. Stop: STOP. Help: HELP.');
  });

  it('reads the offered topics from JSON', () => {
    // Act
    const env = readEnvironment(ConsentApiEnvironmentSchema, {
      ...base,
      CONSENT_TOPICS: '[{"topic":"marketing","label":"Offers"},{"topic":"newsletter","label":"Newsletter"}]',
      RATE_LIMIT_BURST: '5',
    });
    // Assess
    expect(env.CONSENT_TOPICS.map((offer) => offer.topic)).toEqual(['marketing', 'newsletter']);
    expect(env.RATE_LIMIT_BURST).toBe(5);
  });

  it.each([
    ['CONSENT_TOPICS', { CONSENT_TOPICS: 'marketing' }],
    ['CONSENT_TOPICS', { CONSENT_TOPICS: '[{"topic":"Marketing!","label":"x"}]' }],
    ['PUBLIC_BASE_URL', { PUBLIC_BASE_URL: 'not a url' }],
    ['LINK_SECRET_ID', { LINK_SECRET_ID: undefined }],
    ['SMS_ORIGINATION_IDENTITY', { SMS_ORIGINATION_IDENTITY: undefined }],
    ['SMS_CONFIGURATION_SET', { SMS_CONFIGURATION_SET: undefined }],
    ['SMS_CONFIRMATION_TEXT', { SMS_CONFIRMATION_TEXT: 'Acme: reply OK to confirm. STOP to cancel, HELP for help.' }],
    ['SMS_CONFIRMATION_TEXT', { SMS_CONFIRMATION_TEXT: 'Acme: reply YES to confirm. HELP for help.' }],
  ])('fails at cold start naming %s', (variable, overrides) => {
    // Act
    const read = () => readEnvironment(ConsentApiEnvironmentSchema, { ...base, ...overrides });
    // Assess
    expect(read).toThrow(EnvironmentError);
    expect(read).toThrow(variable);
  });
});

describe('the sms-inbound environment', () => {
  it('answers HELP with the default text unless one is set', () => {
    // Act
    const env = readEnvironment(SmsInboundEnvironmentSchema, { CUSTOMER_TABLE_NAME: 't', SMS_ORIGINATION_IDENTITY: 'pool-1', SMS_CONFIGURATION_SET: 'cs' });
    // Assess
    expect(env.SMS_HELP_TEXT).toBe(DEFAULT_HELP_TEXT);
  });

  it('answers a confirming YES with the default text unless one is set', () => {
    // Act
    const env = readEnvironment(SmsInboundEnvironmentSchema, { CUSTOMER_TABLE_NAME: 't', SMS_ORIGINATION_IDENTITY: 'pool-1', SMS_CONFIGURATION_SET: 'cs' });
    const own = readEnvironment(SmsInboundEnvironmentSchema, { CUSTOMER_TABLE_NAME: 't', SMS_ORIGINATION_IDENTITY: 'pool-1', SMS_CONFIGURATION_SET: 'cs', SMS_CONFIRMED_TEXT: 'Acme: subscribed.' });
    // Assess
    expect(env.SMS_CONFIRMED_TEXT).toBe(DEFAULT_SMS_CONFIRMED_TEXT);
    expect(own.SMS_CONFIRMED_TEXT).toBe('Acme: subscribed.');
  });
});

describe('the texts the consent-api and sms-inbound functions send', () => {
  const smsMock = mockClient(PinpointSMSVoiceV2Client);
  const text = { to: '+12125550143', customerId: 'c-1', journey: 'consent-api', step: 'sms-confirmation', topic: 'transactional', body: 'Reply YES' };

  beforeEach(() => {
    smsMock.reset();
    smsMock.on(SendTextMessageCommand).resolves({ MessageId: 'sms-1' });
  });
  afterAll(() => smsMock.restore());

  it("live as long as transactional texts do, not End User Messaging's 72-hour default", async () => {
    // Prepare
    const clients = { dynamodb: new DynamoDBClient({ region: 'us-east-1' }), ses: new SESv2Client({ region: 'us-east-1' }), sms: new PinpointSMSVoiceV2Client({ ...PROVIDER_CLIENT_CONFIG, region: 'us-east-1' }), sfn: new SFNClient({ region: 'us-east-1' }) };
    const consentApi = consentApiDependencies(readEnvironment(ConsentApiEnvironmentSchema, base), clients, { current: 'k'.repeat(32), previous: [], retired: [] });
    const smsInbound = smsInboundDependencies(readEnvironment(SmsInboundEnvironmentSchema, { CUSTOMER_TABLE_NAME: 't', SMS_ORIGINATION_IDENTITY: 'pool-1', SMS_CONFIGURATION_SET: 'cs' }), clients);
    // Act
    await consentApi.sms.send(text);
    await smsInbound.replies.send({ ...text, journey: 'sms-inbound', step: 'help' });
    // Assess
    expect(smsMock.commandCalls(SendTextMessageCommand).map((call) => call.args[0].input.TimeToLive)).toEqual([
      SMS_TIME_TO_LIVE_SECONDS.transactional,
      SMS_TIME_TO_LIVE_SECONDS.transactional,
    ]);
  });
});
