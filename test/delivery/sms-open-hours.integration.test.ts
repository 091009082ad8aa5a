/**
 * A marketing text handed to End User Messaging near the close of the customer's allowed hours
 * lives no longer than they stay open: a text held up on its way to the carrier is dropped rather
 * than delivered into the night. On the real DynamoDB and SES emulators; only the SMS client is
 * mocked, as no SMS emulator exists.
 */
import { SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { deliverMessage, type DeliveryPorts } from '../../lib/delivery/deliver-message';
import { welcomeStep } from '../support/send-steps';
import { GRANTED_AT, startMockedSmsDelivery, type MockedSmsDelivery } from './sms-mocked-delivery';

/** 20:50 in New York (EST), ten minutes before the SMS legal hours close. */
const TEN_TO_NINE = new Date('2026-03-03T01:50:00Z');

let harness: MockedSmsDelivery;
let ports: DeliveryPorts;

beforeAll(async () => {
  harness = await startMockedSmsDelivery('sms-open-hours');
  ports = { ...harness.ports, now: () => TEN_TO_NINE };
});
afterAll(() => harness.stop());

it("sends a marketing text at 20:50 with ten minutes to live, and a transactional one with the sender's own", async () => {
  // Prepare
  const { store, smsMock } = harness;
  smsMock.on(SendTextMessageCommand).resolves({ MessageId: 'sms-1' });
  await store.putProfile({ customerId: 'late-1', stage: 'prospect', timezone: 'America/New_York', phone: '+12125550143', updatedAt: GRANTED_AT });
  await store.recordConsent('late-1', { channel: 'sms', topic: 'marketing', status: 'granted', at: GRANTED_AT, proof: { source: 'web-form' } });

  // Act
  const promo = await deliverMessage(ports, welcomeStep('late-1', ['sms'], { step: 'promo-text' }));
  const receipt = await deliverMessage(ports, welcomeStep('late-1', ['sms'], { step: 'receipt-text', topic: 'transactional' }));

  // Assess
  expect([promo, receipt]).toMatchObject([{ outcome: 'sent', channel: 'sms' }, { outcome: 'sent', channel: 'sms' }]);
  expect(smsMock.commandCalls(SendTextMessageCommand).map((call) => call.args[0].input.TimeToLive)).toEqual([600, undefined]);
});
