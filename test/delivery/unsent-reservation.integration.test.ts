/**
 * deliverMessage when the provider certainly sent nothing (throttled, opted out) and withdrawing
 * the reservation then fails, on the real DynamoDB and SES emulators with only the SMS client
 * mocked: the retry that Step Functions runs still sends once (the entry was marked unsent), and
 * sends nothing when not even that mark could be written (the entry is indistinguishable from one
 * whose message may have gone out).
 */
import { ConflictException, SendTextMessageCommand, ThrottlingException } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import 'aws-sdk-client-mock-jest';
import { deliverMessage, idempotencyKeyOf, type DeliveryPorts } from '../../lib/delivery/deliver-message';
import { ProviderThrottledError, type SmsSender } from '../../lib/channels';
import { CustomerStoreError, type CustomerStore } from '../../lib/store';
import { emailsTo as emailsToCustomer, welcomeStep } from '../support/send-steps';
import type { SesLocal } from '../support/ses-local';
import { GRANTED_AT, NOON, startMockedSmsDelivery, type MockedSmsDelivery } from './sms-mocked-delivery';

let harness: MockedSmsDelivery;
let store: CustomerStore;
let ses: SesLocal;
let ports: DeliveryPorts;
let smsMock: MockedSmsDelivery['smsMock'];
let customerSequence = 0;

beforeAll(async () => {
  harness = await startMockedSmsDelivery('unsent-reservation');
  ({ store, ses, ports, smsMock } = harness);
});

afterAll(() => harness.stop());

beforeEach(async () => {
  smsMock.reset();
  await ses.clear();
});

const throttled = new ThrottlingException({ message: 'slow down', $metadata: { httpStatusCode: 400 } });

/** A customer in New York with email and SMS marketing granted the day before. */
async function customer(): Promise<string> {
  customerSequence += 1;
  const customerId = `un-${customerSequence}`;
  await store.putProfile({
    customerId,
    stage: 'prospect',
    timezone: 'America/New_York',
    email: `unsent-${customerSequence}@example.com`,
    phone: '+12125550143',
    updatedAt: GRANTED_AT,
  });
  for (const channel of ['email', 'sms'] as const) {
    await store.recordConsent(customerId, { channel, topic: 'marketing', status: 'granted', at: GRANTED_AT, proof: { source: 'web-form' } });
  }
  return customerId;
}

/** The store, except that withdrawing a reservation fails as a throttled table does. */
function withFailingRelease(): CustomerStore {
  const flaky = Object.create(store) as CustomerStore;
  flaky.releaseReservation = () => Promise.reject(new CustomerStoreError('release send failed'));
  return flaky;
}

describe('deliverMessage when withdrawing a reservation the provider never took fails', () => {
  it('sends a text throttled by the provider on the retry, holding one cap slot', async () => {
    // Prepare
    const customerId = await customer();
    smsMock.on(SendTextMessageCommand).rejectsOnce(throttled).resolves({ MessageId: 'sms-1' });
    const request = welcomeStep(customerId, ['sms'], { step: 'promo-text' });
    const key = idempotencyKeyOf(request.execution, request.step);
    await expect(deliverMessage({ ...ports, store: withFailingRelease() }, request)).rejects.toThrow(CustomerStoreError);

    // Act: what STORE_RETRY runs
    const retry = await deliverMessage(ports, request);

    // Assess
    expect(retry).toMatchObject({ outcome: 'sent', channel: 'sms', providerMessageId: 'sms-1', replayed: false });
    expect(smsMock).toHaveReceivedCommandTimes(SendTextMessageCommand, 2);
    expect(await store.getSendEntry(customerId, key)).toMatchObject({ status: 'sent' });
    expect((await store.requireSnapshot(customerId)).frequency.sends.map((send) => send.key)).toEqual([key]);
  });

  it('sends a throttled transactional text, which takes no cap slot, on the retry', async () => {
    // Prepare: with no cap slot, the retry finds the entry through the reservation's condition
    const customerId = await customer();
    smsMock.on(SendTextMessageCommand).rejectsOnce(throttled).resolves({ MessageId: 'sms-2' });
    const request = welcomeStep(customerId, ['sms'], { step: 'receipt-text', topic: 'transactional' });
    await expect(deliverMessage({ ...ports, store: withFailingRelease() }, request)).rejects.toThrow(CustomerStoreError);

    // Act
    const retry = await deliverMessage(ports, request);

    // Assess
    expect(retry).toMatchObject({ outcome: 'sent', channel: 'sms', providerMessageId: 'sms-2' });
    expect(smsMock).toHaveReceivedCommandTimes(SendTextMessageCommand, 2);
    expect(await store.getSendEntry(customerId, idempotencyKeyOf(request.execution, request.step))).toMatchObject({ status: 'sent' });
  });

  it('records the revocation of a text refused as opted out, and the retry sends the step once by email', async () => {
    // Prepare
    const customerId = await customer();
    smsMock.on(SendTextMessageCommand).rejects(
      new ConflictException({ message: 'opted out', Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT', $metadata: { httpStatusCode: 400 } }),
    );
    const request = welcomeStep(customerId, ['sms', 'email'], { step: 'welcome-text' });
    const key = idempotencyKeyOf(request.execution, request.step);
    await expect(deliverMessage({ ...ports, store: withFailingRelease() }, request)).rejects.toThrow(CustomerStoreError);
    const smsConsent = async () => (await store.requireSnapshot(customerId)).consents.find((consent) => consent.channel === 'sms');
    expect(await smsConsent()).toMatchObject({ status: 'revoked', source: 'sms-provider:opted-out' });

    // Act
    const retry = await deliverMessage(ports, request);

    // Assess: the gate leaves SMS out now, so the provider is not asked again
    expect(retry).toMatchObject({ outcome: 'sent', channel: 'email', replayed: false });
    expect(smsMock).toHaveReceivedCommandTimes(SendTextMessageCommand, 1);
    expect(await emailsToCustomer(store, ses, customerId)).toBe(1);
    expect(await store.getSendEntry(customerId, key)).toMatchObject({ channel: 'email', status: 'sent' });
    expect((await store.requireSnapshot(customerId)).frequency.sends.map((send) => send.key)).toEqual([key]);
  });

  it('sends nothing on the retry when the entry could not even be marked unsent, as it may not tell what happened', async () => {
    // Prepare: the table refuses every write after the reservation, as when it is unreachable
    const customerId = await customer();
    smsMock.on(SendTextMessageCommand).rejectsOnce(throttled).resolves({ MessageId: 'sms-3' });
    const request = welcomeStep(customerId, ['sms'], { step: 'promo-text' });
    const unreachable = withFailingRelease();
    unreachable.markUnsent = () => Promise.reject(new CustomerStoreError('mark send failed'));
    await expect(deliverMessage({ ...ports, store: unreachable }, request)).rejects.toThrow('release send failed');

    // Act
    const retry = await deliverMessage(ports, request);

    // Assess: a plain `pending` entry may belong to a message on its way; it is never sent again
    expect(retry).toEqual({ outcome: 'unknown', channel: 'sms' });
    expect(smsMock).toHaveReceivedCommandTimes(SendTextMessageCommand, 1);
  });
});

describe('the send ledger’s unsent mark', () => {
  /** A marketing SMS reserved at noon by an attempt of its own, as reserveSend leaves it. */
  async function reservedAtNoon(customerId: string, key: string): Promise<void> {
    await store.reserveSend({
      customerId,
      idempotencyKey: key,
      journey: 'welcome',
      step: 'step',
      execution: 'attempt',
      channel: 'sms',
      topic: 'marketing',
      at: NOON.toISOString(),
      expectedFrequency: (await store.requireSnapshot(customerId)).frequency,
    });
  }

  it('lets a later attempt withdraw the marked reservation and free its cap slot', async () => {
    // Prepare
    const customerId = await customer();
    await reservedAtNoon(customerId, 'attempt/step');

    // Act
    const marked = await store.markUnsent(customerId, 'attempt/step', { reservedAt: NOON.toISOString(), error: 'ProviderThrottledError', at: NOON.toISOString() });
    const entry = await store.getSendEntry(customerId, 'attempt/step');
    const released = await store.releaseReservation(customerId, 'attempt/step', 'unsent');

    // Assess
    expect({ marked, released }).toEqual({ marked: true, released: true });
    expect(entry).toMatchObject({ status: 'pending', unsentAt: NOON.toISOString(), error: 'ProviderThrottledError' });
    expect(await store.getSendEntry(customerId, 'attempt/step')).toBeUndefined();
    expect((await store.requireSnapshot(customerId)).frequency.sends).toEqual([]);
  });

  it('leaves a reservation made by another attempt alone', async () => {
    // Prepare: the entry of an attempt that reserved at noon, not the day before
    const customerId = await customer();
    await reservedAtNoon(customerId, 'attempt/step');

    // Act
    const marked = await store.markUnsent(customerId, 'attempt/step', { reservedAt: GRANTED_AT, error: 'ProviderThrottledError', at: NOON.toISOString() });
    const released = await store.releaseReservation(customerId, 'attempt/step', 'unsent');

    // Assess
    expect({ marked, released }).toEqual({ marked: false, released: false });
    const entry = await store.getSendEntry(customerId, 'attempt/step');
    expect(entry).toMatchObject({ status: 'pending' });
    expect(entry?.unsentAt).toBeUndefined();
  });
});

describe('deliverMessage when another attempt of the step settles its reservation meanwhile', () => {
  /**
   * Attempt A of a text step reserves and calls the provider, which hangs until `throttleA()`
   * answers it throttled (nothing sent). Attempt B of the same step (Step Functions re-invoking the
   * Lambda while A runs) finds A's pending entry; A's answer lands just before B settles it.
   */
  async function racingAttempts(storeOfA: CustomerStore): Promise<{ outcomeA: unknown; outcomeB: unknown; sentByB: number }> {
    const customerId = await customer();
    const request = welcomeStep(customerId, ['sms'], { step: 'promo-text' });
    let throttleA = (): void => undefined;
    let inProvider = (): void => undefined;
    const aInProvider = new Promise<void>((resolve) => (inProvider = resolve));
    const smsA: SmsSender = {
      send: () => {
        inProvider();
        return new Promise((_, reject) => (throttleA = () => reject(new ProviderThrottledError({ provider: 'sms', code: 'ThrottlingException' }))));
      },
    };
    const attemptA = deliverMessage({ ...ports, store: storeOfA, senders: { ...ports.senders, sms: smsA } }, request).catch((error: unknown) => error);
    await aInProvider;
    let sentByB = 0;
    const smsB: SmsSender = { send: () => ((sentByB += 1), Promise.resolve({ providerMessageId: 'sms-b' })) };
    const storeOfB = Object.create(store) as CustomerStore;
    storeOfB.markUnknown = async (...args: Parameters<CustomerStore['markUnknown']>) => {
      throttleA();
      await attemptA;
      return store.markUnknown(...args);
    };
    const outcomeB = await deliverMessage({ ...ports, store: storeOfB, senders: { ...ports.senders, sms: smsB } }, request).catch((error: unknown) => error);
    return { outcomeA: await attemptA, outcomeB, sentByB };
  }

  it('sends once when the other attempt withdraws its reservation, having sent nothing', async () => {
    // Act
    const { outcomeA, outcomeB, sentByB } = await racingAttempts(store);

    // Assess
    expect(outcomeA).toBeInstanceOf(ProviderThrottledError);
    expect(outcomeB).toMatchObject({ outcome: 'sent', channel: 'sms', providerMessageId: 'sms-b' });
    expect(sentByB).toBe(1);
  });

  it('sends once when the other attempt could only mark its reservation unsent, instead of settling it as maybe sent', async () => {
    // Act
    const { outcomeA, outcomeB, sentByB } = await racingAttempts(withFailingRelease());

    // Assess: A throws its release's failure, for the Step Functions Retry (which finds B's message)
    expect(outcomeA).toBeInstanceOf(CustomerStoreError);
    expect(outcomeB).toMatchObject({ outcome: 'sent', channel: 'sms', providerMessageId: 'sms-b' });
    expect(sentByB).toBe(1);
  });
});

