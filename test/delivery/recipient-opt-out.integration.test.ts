/**
 * deliverMessage when End User Messaging refuses a text because the number opted out, on the real
 * DynamoDB and SES emulators. No SMS emulator exists, so only the SMS client is mocked, and it
 * answers what the service answers: `ConflictException` with `Reason` `DESTINATION_PHONE_NUMBER_OPTED_OUT`.
 */
import { ConflictException, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import 'aws-sdk-client-mock-jest';
import type { Channel, ConsentStatus } from '../../lib/customer/model';
import { deliverMessage, idempotencyKeyOf, type DeliveryPorts } from '../../lib/delivery/deliver-message';
import type { SendStepPayload } from '../../lib/journeys/send-contract';
import type { CustomerStore } from '../../lib/store';
import { emailsTo as emailsToCustomer, welcomeStep } from '../support/send-steps';
import type { SesLocal } from '../support/ses-local';
import { GRANTED_AT, NOON, startMockedSmsDelivery, type MockedSmsDelivery } from './sms-mocked-delivery';

const PHONE = '+12125550143';
/** A number the customer had before PHONE. */
const EARLIER_PHONE = '+12125550187';

let harness: MockedSmsDelivery;
let store: CustomerStore;
let ses: SesLocal;
let ports: DeliveryPorts;
let smsMock: MockedSmsDelivery['smsMock'];
let customerSequence = 0;

beforeAll(async () => {
  harness = await startMockedSmsDelivery('opt-out');
  ({ store, ses, ports, smsMock } = harness);
});

afterAll(() => harness.stop());

beforeEach(async () => {
  smsMock.reset();
  await ses.clear();
});

function refuseAsOptedOut(): void {
  smsMock.on(SendTextMessageCommand).rejects(
    new ConflictException({
      message: 'The destination phone number is opted out',
      Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT',
      ResourceType: 'opt-out-list',
      ResourceId: 'Default',
      $metadata: { httpStatusCode: 400, requestId: 'req-opted-out' },
    }),
  );
}

/** A customer in New York with the given marketing consent on email and SMS (granted the day before). */
async function customer(consents: { email: ConsentStatus; sms: ConsentStatus }): Promise<string> {
  customerSequence += 1;
  const customerId = `oo-${customerSequence}`;
  await store.putProfile({
    customerId,
    stage: 'prospect',
    timezone: 'America/New_York',
    email: `opted-out-${customerSequence}@example.com`,
    phone: PHONE,
    updatedAt: GRANTED_AT,
  });
  for (const channel of ['email', 'sms'] as const) {
    await store.recordConsent(customerId, {
      channel,
      topic: 'marketing',
      status: consents[channel],
      at: GRANTED_AT,
      proof: { source: 'web-form', consentTextVersion: 'v3' },
    });
  }
  return customerId;
}

/** The welcome step, as a text first: `welcome-text`. */
function step(customerId: string, channels: Channel[], overrides: Partial<SendStepPayload> = {}): SendStepPayload {
  return welcomeStep(customerId, channels, { step: 'welcome-text', ...overrides });
}

function emailsTo(customerId: string): Promise<number> {
  return emailsToCustomer(store, ses, customerId);
}

const providerRevocation = {
  channel: 'sms',
  topic: 'marketing',
  status: 'revoked',
  at: NOON.toISOString(),
  proof: { source: 'sms-provider:opted-out' },
};

describe('deliverMessage when End User Messaging refuses an opted-out number', () => {
  it('records the revocation with its proof, frees the reservation and sends the step once by email instead', async () => {
    // Prepare
    const customerId = await customer({ email: 'granted', sms: 'granted' });
    refuseAsOptedOut();
    const request = step(customerId, ['sms', 'email']);

    // Act
    const outcome = await deliverMessage(ports, request);

    // Assess
    expect(outcome).toMatchObject({ outcome: 'sent', channel: 'email', replayed: false, optedOut: ['sms'] });
    expect(smsMock).toHaveReceivedCommandTimes(SendTextMessageCommand, 1);
    expect(await emailsTo(customerId)).toBe(1);
    const ledger = await store.consentLedger(customerId);
    expect(ledger).toContainEqual(providerRevocation);
    expect(JSON.stringify(ledger)).not.toContain(PHONE);
    const snapshot = await store.requireSnapshot(customerId);
    expect(snapshot.consents).toContainEqual(expect.objectContaining({ channel: 'sms', topic: 'marketing', status: 'revoked' }));
    // The SMS reservation was withdrawn and the email one took the step's single ledger entry and cap slot.
    const key = idempotencyKeyOf(request.execution, request.step);
    expect(await store.getSendEntry(customerId, key)).toMatchObject({ channel: 'email', status: 'sent' });
    expect(snapshot.frequency.sends.map((send) => send.key)).toEqual([key]);
  });

  it('revokes SMS for every topic the customer had granted on it, as a STOP does, and leaves email alone', async () => {
    // Prepare
    const customerId = await customer({ email: 'granted', sms: 'granted' });
    await store.recordConsent(customerId, { channel: 'sms', topic: 'offers', status: 'granted', at: GRANTED_AT, proof: { source: 'web-form' } });
    await store.recordConsent(customerId, { channel: 'email', topic: 'offers', status: 'granted', at: GRANTED_AT, proof: { source: 'web-form' } });
    refuseAsOptedOut();

    // Act
    await deliverMessage(ports, step(customerId, ['sms', 'email']));

    // Assess
    const { consents } = await store.requireSnapshot(customerId);
    const statusOf = (channel: Channel, topic: string) => consents.find((consent) => consent.channel === channel && consent.topic === topic)?.status;
    expect(statusOf('sms', 'marketing')).toBe('revoked');
    expect(statusOf('sms', 'offers')).toBe('revoked');
    expect(statusOf('email', 'offers')).toBe('granted');
    expect(await store.consentLedger(customerId)).toContainEqual({ ...providerRevocation, topic: 'offers' });
  });

  it('answers a retry of the step from the ledger and lets later steps skip SMS without asking the provider', async () => {
    // Prepare
    const customerId = await customer({ email: 'granted', sms: 'granted' });
    refuseAsOptedOut();
    const first = step(customerId, ['sms', 'email']);
    await deliverMessage(ports, first);
    smsMock.resetHistory();

    // Act
    const retry = await deliverMessage(ports, first);
    const later = await deliverMessage(ports, step(customerId, ['sms', 'email'], { step: 'follow-up' }));

    // Assess
    expect(retry).toMatchObject({ outcome: 'sent', channel: 'email', replayed: true });
    expect(later).toMatchObject({ outcome: 'sent', channel: 'email', replayed: false });
    expect(smsMock).not.toHaveReceivedCommand(SendTextMessageCommand);
    expect(await emailsTo(customerId)).toBe(2);
  });

  it('skips the step as no_consent, with nothing reserved, when email is not granted either', async () => {
    // Prepare
    const customerId = await customer({ email: 'revoked', sms: 'granted' });
    refuseAsOptedOut();
    const request = step(customerId, ['sms', 'email']);

    // Act
    const outcome = await deliverMessage(ports, request);

    // Assess
    expect(outcome).toEqual({ outcome: 'skipped', reason: 'no_consent', optedOut: ['sms'] });
    expect(await emailsTo(customerId)).toBe(0);
    expect(await store.consentLedger(customerId)).toContainEqual(providerRevocation);
    expect(await store.getSendEntry(customerId, idempotencyKeyOf(request.execution, request.step))).toBeUndefined();
    expect((await store.requireSnapshot(customerId)).frequency.sends).toEqual([]);
    expect(await store.decisions(customerId)).toEqual([
      expect.objectContaining({ outcome: 'skipped', reason: 'no_consent', step: 'welcome-text' }),
    ]);
  });

  it('skips the step as no_consent, not not_preferred, when the number refused was the only channel the customer prefers', async () => {
    // Prepare: texts are the customer's only channel; the step may go by email or SMS.
    refuseAsOptedOut();
    const customerId = await customer({ email: 'granted', sms: 'granted' });
    await store.putPreferences(customerId, { channels: ['sms'] }, { at: GRANTED_AT });

    // Act
    const outcome = await deliverMessage(ports, step(customerId, ['email', 'sms']));

    // Assess: the withdrawal is the reason; SMS is the channel the customer asked for.
    expect(outcome).toEqual({ outcome: 'skipped', reason: 'no_consent', optedOut: ['sms'] });
    expect(await emailsTo(customerId)).toBe(0);
  });

  it('skips an SMS-only step as no_consent', async () => {
    // Prepare
    const customerId = await customer({ email: 'granted', sms: 'granted' });
    refuseAsOptedOut();

    // Act
    const outcome = await deliverMessage(ports, step(customerId, ['sms']));

    // Assess
    expect(outcome).toEqual({ outcome: 'skipped', reason: 'no_consent', optedOut: ['sms'] });
    expect(await emailsTo(customerId)).toBe(0);
    expect(smsMock).toHaveReceivedCommandTimes(SendTextMessageCommand, 1);
  });

  it('falls back to email for a transactional text without writing a consent for a topic that needs none', async () => {
    // Prepare
    const customerId = await customer({ email: 'revoked', sms: 'revoked' });
    refuseAsOptedOut();
    const before = await store.consentLedger(customerId);

    // Act
    const outcome = await deliverMessage(ports, step(customerId, ['sms', 'email'], { topic: 'transactional' }));

    // Assess
    expect(outcome).toMatchObject({ outcome: 'sent', channel: 'email' });
    expect(smsMock).toHaveReceivedCommandTimes(SendTextMessageCommand, 1);
    expect(await emailsTo(customerId)).toBe(1);
    expect(await store.consentLedger(customerId)).toEqual(before);
  });

  it('leaves alone an SMS consent given for another number than the one refused', async () => {
    // Prepare: offers were granted for the customer's earlier number, which the refusal says nothing about
    const customerId = await customer({ email: 'granted', sms: 'granted' });
    await store.recordConsent(customerId, {
      channel: 'sms',
      topic: 'offers',
      status: 'granted',
      at: GRANTED_AT,
      proof: { source: 'web-form', phone: EARLIER_PHONE },
    });
    refuseAsOptedOut();

    // Act
    await deliverMessage(ports, step(customerId, ['sms', 'email']));

    // Assess
    const { consents } = await store.requireSnapshot(customerId);
    expect(consents.find((consent) => consent.channel === 'sms' && consent.topic === 'marketing')).toMatchObject({ status: 'revoked' });
    expect(consents.find((consent) => consent.channel === 'sms' && consent.topic === 'offers')).toMatchObject({ status: 'granted', phone: EARLIER_PHONE });
    expect(await store.consentLedger(customerId)).not.toContainEqual(expect.objectContaining({ topic: 'offers', status: 'revoked' }));
  });

  it('revokes the marketing texts to the number when it refuses a transactional text, and writes nothing for the text itself', async () => {
    // Prepare
    const customerId = await customer({ email: 'granted', sms: 'granted' });
    refuseAsOptedOut();

    // Act
    const outcome = await deliverMessage(ports, step(customerId, ['sms', 'email'], { topic: 'transactional' }));

    // Assess: the number is on the provider's opt-out list, so it is the number's STOP, whatever the text was
    expect(outcome).toMatchObject({ outcome: 'sent', channel: 'email', optedOut: ['sms'] });
    const ledger = await store.consentLedger(customerId);
    expect(ledger).toContainEqual(providerRevocation);
    expect(ledger).not.toContainEqual(expect.objectContaining({ topic: 'transactional' }));
    const later = await deliverMessage(ports, step(customerId, ['sms', 'email'], { step: 'follow-up' }));
    expect(later).toMatchObject({ outcome: 'sent', channel: 'email' });
    expect(smsMock).toHaveReceivedCommandTimes(SendTextMessageCommand, 1);
  });

  it('sends once when the process dies after freeing the reservation and before recording the revocation', async () => {
    // Prepare: a store whose consent write never happens, as when the Lambda is killed at that moment
    const customerId = await customer({ email: 'granted', sms: 'granted' });
    refuseAsOptedOut();
    const request = step(customerId, ['sms', 'email']);
    const dying = Object.create(store) as CustomerStore;
    dying.recordConsent = () => Promise.reject(new Error('Runtime exited'));
    await expect(deliverMessage({ ...ports, store: dying }, request)).rejects.toThrow('Runtime exited');
    expect(await store.getSendEntry(customerId, idempotencyKeyOf(request.execution, request.step))).toBeUndefined();

    // Act
    const retry = await deliverMessage(ports, request);

    // Assess: the provider refuses again; nothing went out twice
    expect(retry).toMatchObject({ outcome: 'sent', channel: 'email', replayed: false });
    expect(smsMock).toHaveReceivedCommandTimes(SendTextMessageCommand, 2);
    expect(await emailsTo(customerId)).toBe(1);
    expect(await store.consentLedger(customerId)).toContainEqual(providerRevocation);
  });
});
