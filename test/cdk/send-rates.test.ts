/**
 * The providers' send rates as configuration: CDK context, validated at synth with the key named,
 * defaults for an account fresh out of the SES sandbox and one toll-free number, and the send
 * function's `SEND_RATE_*` settings, which its environment schema reads back.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CONTEXT_KEYS, DEFAULT_SEND_RATES, InvalidConfigError, readConfig } from '../../lib/config';
import { CustomerData } from '../../lib/constructs/customer-data';
import { Delivery } from '../../lib/constructs/delivery';
import { SendRateSchema } from '../../lib/delivery/send-environment';
import { TEST_CONTEXT } from './synthesize';
import { TEST_SENDER_POSTAL_ADDRESS } from '../support/sender-address';

function configWith(context: Record<string, unknown>): ReturnType<typeof readConfig> {
  return readConfig((key) => ({ [CONTEXT_KEYS.senderPostalAddress]: TEST_SENDER_POSTAL_ADDRESS, ...context })[key]);
}

describe('send rates in the configuration', () => {
  it('defaults to 14 emails and 3 texts a second, in prod too', () => {
    const prod = {
      [CONTEXT_KEYS.environment]: 'prod',
      [CONTEXT_KEYS.fromAddress]: 'journeys@shop.example',
      [CONTEXT_KEYS.sendingIdentity]: 'shop.example',
      [CONTEXT_KEYS.smsOriginationIdentity]: 'pool-0123456789abcdef',
      [CONTEXT_KEYS.smsBrand]: 'Shop',
      [CONTEXT_KEYS.publicBaseUrl]: 'https://preferences.shop.example',
    };
    expect(DEFAULT_SEND_RATES).toEqual({ email: 14, sms: 3 });
    expect(configWith({})).toMatchObject({ sendRateEmail: 14, sendRateSms: 3 });
    expect(configWith(prod)).toMatchObject({ sendRateEmail: 14, sendRateSms: 3 });
  });

  it('takes the rates from context, as numbers or as the strings -c key=value gives', () => {
    expect(configWith({ [CONTEXT_KEYS.sendRateEmail]: '50', [CONTEXT_KEYS.sendRateSms]: 0.5 })).toMatchObject({ sendRateEmail: 50, sendRateSms: 0.5 });
  });

  it.each([['0'], [0], ['fast'], [-3], [1001]])('fails when a rate is %p, naming the context key', (rate) => {
    const synth = () => configWith({ [CONTEXT_KEYS.sendRateSms]: rate });
    expect(synth).toThrow(InvalidConfigError);
    expect(synth).toThrow(/context "overture:sendRateSms"/);
  });

  it('hands the rates to the send function, whose environment schema accepts them', () => {
    // Prepare
    const app = new App({ context: { ...TEST_CONTEXT, [CONTEXT_KEYS.sendRateEmail]: '40' } });
    const stack = new Stack(app, 'Rates');
    const config = readConfig((key) => app.node.tryGetContext(key));

    // Act
    new Delivery(stack, 'Delivery', { config, data: new CustomerData(stack, 'CustomerData'), logRetention: RetentionDays.ONE_WEEK });

    // Assess
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SEND_RATE_EMAIL: '40', SEND_RATE_SMS: '3' }) },
    });
    expect(['40', '3', '0.5'].map((rate) => SendRateSchema.safeParse(rate).success)).toEqual([true, true, true]);
    expect(['0', '0.0', '', 'fast', '-1'].map((rate) => SendRateSchema.safeParse(rate).success)).toEqual([false, false, false, false, false]);
  });
});
