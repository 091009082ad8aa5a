/**
 * The send function's channel adapters as built from its environment, with the SMS client mocked
 * (no SMS emulator exists): what every text it sends asks of End User Messaging.
 */
import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { PROVIDER_CLIENT_CONFIG, type SmsMessage } from '../../lib/channels';
import { channelSenders, SendEnvironmentSchema } from '../../lib/delivery/send-environment';
import { TEST_SENDER_POSTAL_ADDRESS } from '../support/sender-address';

const smsMock = mockClient(PinpointSMSVoiceV2Client);

const env = SendEnvironmentSchema.parse({
  CUSTOMER_TABLE_NAME: 't',
  FROM_EMAIL_ADDRESS: 'journeys@example.com',
  SENDER_POSTAL_ADDRESS: TEST_SENDER_POSTAL_ADDRESS,
  SES_CONFIGURATION_SET: 'cs',
  SMS_ORIGINATION_IDENTITY: 'pool-x',
  SMS_CONFIGURATION_SET: 'cs',
  DIRECT_MAIL_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/mail',
  PUBLIC_BASE_URL: 'https://preferences.example.com',
  LINK_SECRET_ID: 'secret',
  TEMPLATES_DIR: 'templates',
});

const clientOptions = { ...PROVIDER_CLIENT_CONFIG, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
const senders = channelSenders(env, {
  dynamodb: new DynamoDBClient(clientOptions),
  ses: new SESv2Client(clientOptions),
  sms: new PinpointSMSVoiceV2Client(clientOptions),
  sqs: new SQSClient(clientOptions),
});

const text: SmsMessage = { to: '+12125550143', customerId: 'c-1', journey: 'welcome', step: 'welcome-sms', topic: 'marketing', body: 'Hi' };

/** The `TimeToLive` of the one `SendTextMessage` call made. */
function timeToLiveSent(): number | undefined {
  const [call] = smsMock.commandCalls(SendTextMessageCommand);
  return call?.args[0].input.TimeToLive;
}

beforeEach(() => {
  smsMock.reset();
  smsMock.on(SendTextMessageCommand).resolves({ MessageId: 'sms-1' });
});

it('gives a marketing text at most 15 minutes to reach the carrier, so one allowed at 20:59 cannot arrive in the night', async () => {
  // Act
  await senders.sms.send(text);

  // Assess
  expect(timeToLiveSent()).toBeGreaterThanOrEqual(5);
  expect(timeToLiveSent()).toBeLessThanOrEqual(15 * 60);
});

it('gives a transactional text a few hours to reach the carrier, not the service default of 72', async () => {
  // Act
  await senders.sms.send({ ...text, topic: 'transactional' });

  // Assess
  expect(timeToLiveSent()).toBeGreaterThan(15 * 60);
  expect(timeToLiveSent()).toBeLessThanOrEqual(6 * 60 * 60);
});
