import { ConsentApiEnvironmentSchema, rateLimitOf } from '../../lib/consent-api';
import { EnvironmentError, readEnvironment } from '../../lib/runtime/environment';
import { SmsInboundEnvironmentSchema, DEFAULT_HELP_TEXT } from '../../lib/sms-keywords';

const base = {
  CUSTOMER_TABLE_NAME: 'overture-dev-customers',
  PUBLIC_BASE_URL: 'https://preferences.example.com',
  LINK_SECRET_ID: 'overture/dev/unsubscribe-key',
  FROM_EMAIL_ADDRESS: 'journeys@example.com',
  SES_CONFIGURATION_SET: 'overture-dev',
};

describe('the consent-api environment', () => {
  it('fills the topics and the rate limit with their defaults', () => {
    // Act
    const env = readEnvironment(ConsentApiEnvironmentSchema, base);
    // Assess
    expect(env.CONSENT_TOPICS).toEqual([{ topic: 'marketing', label: 'Offers and news' }]);
    expect(rateLimitOf(env)).toEqual({ burst: 20, ratePerSecond: 0.5 });
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
});
