/**
 * How long the SMS adapter lets End User Messaging try to hand a text to the carrier: the
 * `TimeToLive` of each kind of text, and the settings the service would refuse.
 */
import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ChannelConfigurationError,
  EndUserMessagingSmsSender,
  PROVIDER_CLIENT_CONFIG,
  type SmsMessage,
  type SmsSenderConfig,
} from '../../lib/channels';

const smsMock = mockClient(PinpointSMSVoiceV2Client);

const marketingText: SmsMessage = { to: '+12125550143', customerId: 'c-1', journey: 'welcome', step: 'welcome-sms', topic: 'marketing', body: 'Hi' };
const transactionalText: SmsMessage = { ...marketingText, topic: 'transactional' };

function sender(timeToLives: Pick<SmsSenderConfig, 'timeToLiveSeconds' | 'marketingTimeToLiveSeconds'>): EndUserMessagingSmsSender {
  return new EndUserMessagingSmsSender(new PinpointSMSVoiceV2Client({ ...PROVIDER_CLIENT_CONFIG, region: 'us-east-1' }), {
    originationIdentity: 'pool-x',
    configurationSetName: 'cs',
    ...timeToLives,
  });
}

/** The `TimeToLive` of each `SendTextMessage` call, in order. */
function timeToLivesSent(): (number | undefined)[] {
  return smsMock.commandCalls(SendTextMessageCommand).map((call) => call.args[0].input.TimeToLive);
}

beforeEach(() => {
  smsMock.reset();
  smsMock.on(SendTextMessageCommand).resolves({ MessageId: 'sms-1' });
});

it('sends a marketing text with the marketing time to live and a transactional one with the general one', async () => {
  // Prepare
  const texts = sender({ timeToLiveSeconds: 14_400, marketingTimeToLiveSeconds: 900 });

  // Act
  await texts.send(marketingText);
  await texts.send(transactionalText);

  // Assess
  expect(timeToLivesSent()).toEqual([900, 14_400]);
});

it('sends a marketing text with the general time to live when no marketing one is set', async () => {
  // Prepare
  const texts = sender({ timeToLiveSeconds: 3_600 });

  // Act
  await texts.send(marketingText);

  // Assess
  expect(timeToLivesSent()).toEqual([3_600]);
});

it('leaves the time to live to the service when none is set', async () => {
  // Prepare
  const texts = sender({});

  // Act
  await texts.send(marketingText);

  // Assess
  expect(smsMock.commandCalls(SendTextMessageCommand)[0]?.args[0].input).not.toHaveProperty('TimeToLive');
});

it.each([
  { timeToLiveSeconds: 4 },
  { timeToLiveSeconds: 259_201 },
  { marketingTimeToLiveSeconds: 0 },
  { marketingTimeToLiveSeconds: 90.5 },
])('fails when built with a time to live End User Messaging refuses: %j', (timeToLives) => {
  // Act
  const building = () => sender(timeToLives);

  // Assess
  expect(building).toThrow(ChannelConfigurationError);
  expect(building).toThrow(/from 5 to 259200/);
});

it("ends a text's time to live when the customer's allowed hours close, if that comes first, asking at least the service's minimum", async () => {
  // Prepare
  const texts = sender({ timeToLiveSeconds: 14_400, marketingTimeToLiveSeconds: 900 });

  // Act: ten minutes, an hour and two seconds left of the customer's hours; and a sender with no time to live set.
  await texts.send({ ...marketingText, openForSeconds: 600 });
  await texts.send({ ...marketingText, openForSeconds: 3_600 });
  await texts.send({ ...marketingText, openForSeconds: 2 });
  await sender({}).send({ ...marketingText, openForSeconds: 600 });

  // Assess
  expect(timeToLivesSent()).toEqual([600, 900, 5, 600]);
});
