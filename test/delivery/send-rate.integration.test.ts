/**
 * deliverMessage with a provider rate on email (lib/store/send-slots.ts), on dynalite and the SES
 * emulator: a burst sends what the rate allows now and defers the rest, each to a slot of its own
 * with nothing reserved; the run after the Wait sends in the slot its deferral holds without
 * claiming another, and still asks the gate first. A transactional email takes a slot of the share
 * kept for transactional messages, so it never waits behind a marketing burst.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { SesEmailSender, SqsDirectMailSender, LocalSmsOutbox, PROVIDER_CLIENT_CONFIG } from '../../lib/channels';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { deliverMessage, idempotencyKeyOf, type DeliveryOutcome, type DeliveryPorts } from '../../lib/delivery/deliver-message';
import { toStepResult } from '../../lib/delivery/step-result';
import type { SendDeferral } from '../../lib/journeys/send-contract';
import { CustomerStore } from '../../lib/store';
import { SendSlots, sendSlotKey } from '../../lib/store/send-slots';
import { loadTemplateCatalog } from '../../lib/templates';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { startSesLocal, type SesLocal } from '../support/ses-local';
import { emailsTo as emailsToCustomer, welcomeStep } from '../support/send-steps';
import { TEST_SENDER_POSTAL_ADDRESS } from '../support/sender-address';

const NOON = new Date('2026-03-02T17:00:00Z'); // 12:00 in New York
// Emails a second: 1 kept for transactional messages, 4 for marketing (one slot every 250 ms).
const RATE = 5;
const MARKETING_INTERVAL = 250;

let dynamo: DynaliteHarness;
let ses: SesLocal;
let store: CustomerStore;
let tableName: string;
let clock: Date;
let ports: DeliveryPorts;

beforeAll(async () => {
  [dynamo, ses] = await Promise.all([startDynalite(), startSesLocal()]);
});

afterAll(async () => {
  await Promise.all([dynamo.stop(), ses.stop()]);
});

beforeEach(async () => {
  ses.clear();
  // A table of its own per test: the send slots are the channel's, across customers.
  tableName = await createCustomerTable(dynamo.client, 'send-rate');
  store = new CustomerStore({ client: dynamo.client, tableName });
  clock = NOON;
  const sesClient = new SESv2Client({
    ...PROVIDER_CLIENT_CONFIG,
    endpoint: ses.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  ports = {
    store,
    templates: loadTemplateCatalog('workflows/templates'),
    links: { baseUrl: 'https://preferences.example.com', secret: 'send-rate-test-link-signing-secret-0123456789' },
    senderPostalAddress: TEST_SENDER_POSTAL_ADDRESS,
    senders: {
      email: new SesEmailSender(sesClient, { fromEmailAddress: 'journeys@example.com', configurationSetName: 'overture-test' }),
      sms: new LocalSmsOutbox({ originationIdentity: 'pool-test', configurationSetName: 'overture-test' }),
      // Never reached: these steps send email only.
      mail: new SqsDirectMailSender(new SQSClient({ region: 'us-east-1' }), { queueUrl: 'http://127.0.0.1:1/direct-mail' }),
    },
    now: () => clock,
    sendSlots: new SendSlots({ client: dynamo.client, tableName }, { email: RATE }),
  };
});

/** A customer in New York who granted marketing email the day before. */
async function enrolledCustomer(index: number): Promise<string> {
  const customerId = `r-${index}`;
  await store.putProfile({
    customerId,
    stage: 'prospect',
    timezone: 'America/New_York',
    email: `rate${index}@example.com`,
    updatedAt: '2026-03-01T12:00:00Z',
  });
  await store.recordConsent(customerId, {
    channel: 'email',
    topic: 'marketing',
    status: 'granted',
    at: '2026-03-01T12:00:00Z',
    proof: { source: 'web-form', consentTextVersion: 'v3' },
  });
  return customerId;
}

/** The deferral the `.resend` state hands back: the step's answer as the state machine got it. */
function deferralOf(outcome: DeliveryOutcome): SendDeferral {
  const result = toStepResult(outcome);
  if (result.outcome !== 'deferred' || result.channel === undefined || result.until === undefined) throw new Error(`not a deferral: ${JSON.stringify(result)}`);
  return { outcome: 'deferred', channel: result.channel, until: result.until, reason: 'rate_limited' };
}

async function nextFreeSlot(): Promise<string | undefined> {
  const { Item } = await dynamo.client.send(new GetItemCommand({ TableName: tableName, Key: sendSlotKey('email'), ConsistentRead: true }));
  return Item?.next?.N;
}

/** The item at `index`, which the test put there. */
function nth<T>(list: readonly T[], index: number): T {
  const item = list[index];
  if (item === undefined) throw new Error(`no item ${index}`);
  return item;
}

/** Five customers whose welcome email is due at the same instant, and their answers. */
async function burstOfFive(): Promise<{ customers: string[]; outcomes: DeliveryOutcome[] }> {
  const customers = await Promise.all([1, 2, 3, 4, 5].map(enrolledCustomer));
  const outcomes: DeliveryOutcome[] = [];
  for (const customerId of customers) outcomes.push(await deliverMessage(ports, welcomeStep(customerId)));
  return { customers, outcomes };
}

describe('deliverMessage with a send rate on email', () => {
  it('sends the first of five emails due at once and defers the other four, each to a slot 250 ms after the last, reserving nothing', async () => {
    // Act
    const { customers, outcomes } = await burstOfFive();

    // Assess
    expect(outcomes).toEqual([
      expect.objectContaining({ outcome: 'sent', channel: 'email' }),
      ...[1, 2, 3, 4].map((slots) => ({
        outcome: 'deferred',
        channel: 'email',
        reason: 'rate_limited',
        until: new Date(NOON.getTime() + slots * MARKETING_INTERVAL).toISOString(),
      })),
    ]);
    expect((await ses.messages()).length).toBe(1);
    for (const customerId of customers.slice(1)) {
      expect(await store.getSendEntry(customerId, idempotencyKeyOf(welcomeStep(customerId).execution, 'welcome-email'))).toBeUndefined();
      expect(await store.decisions(customerId)).toEqual([expect.objectContaining({ outcome: 'deferred', channel: 'email', reason: 'rate_limited' })]);
    }
  });

  it('sends the deferred email when the run after the Wait comes at its until, without claiming another slot', async () => {
    // Prepare
    const { customers, outcomes } = await burstOfFive();
    const deferral = deferralOf(nth(outcomes, 1));
    const before = await nextFreeSlot();
    clock = new Date(deferral.until);

    // Act
    const outcome = await deliverMessage(ports, welcomeStep(nth(customers, 1), ['email'], { deferral }));

    // Assess
    expect(outcome).toMatchObject({ outcome: 'sent', channel: 'email', replayed: false });
    expect(await emailsToCustomer(store, ses, nth(customers, 1))).toBe(1);
    expect(await nextFreeSlot()).toBe(before);
  });

  it('skips the deferred email when consent was revoked during the Wait, whatever slot it holds', async () => {
    // Prepare
    const { customers, outcomes } = await burstOfFive();
    const deferral = deferralOf(nth(outcomes, 2));
    await store.recordConsent(nth(customers, 2), {
      channel: 'email',
      topic: 'marketing',
      status: 'revoked',
      at: new Date(NOON.getTime() + 200).toISOString(),
      proof: { source: 'one-click-unsubscribe' },
    });
    clock = new Date(deferral.until);

    // Act
    const outcome = await deliverMessage(ports, welcomeStep(nth(customers, 2), ['email'], { deferral }));

    // Assess
    expect(outcome).toEqual({ outcome: 'skipped', reason: 'no_consent' });
    expect(await emailsToCustomer(store, ses, nth(customers, 2))).toBe(0);
  });

  it('claims a slot of its own when the deferral it waited for held a slot of another channel', async () => {
    // Prepare: the step now goes by email, but its deferral held an SMS slot.
    const { customers, outcomes } = await burstOfFive();
    const deferral: SendDeferral = { ...deferralOf(nth(outcomes, 4)), channel: 'sms' };
    clock = new Date(deferral.until);

    // Act
    const outcome = await deliverMessage(ports, welcomeStep(nth(customers, 4), ['email'], { deferral }));

    // Assess: the next free email slot, after the four taken by the burst's deferrals.
    expect(outcome).toEqual({ outcome: 'deferred', channel: 'email', reason: 'rate_limited', until: new Date(NOON.getTime() + 5 * MARKETING_INTERVAL).toISOString() });
    expect(await emailsToCustomer(store, ses, nth(customers, 4))).toBe(0);
  });
});

describe('deliverMessage with a transactional email beside marketing ones', () => {
  /** The payload of a transactional `receipt` step for `customerId`. */
  function receiptStep(customerId: string): ReturnType<typeof welcomeStep> {
    return welcomeStep(customerId, ['email'], { step: 'receipt', execution: `receipt-${customerId}-1`, topic: 'transactional' });
  }

  it('sends a transactional email at once while a marketing burst waits for its slots, and takes none of theirs', async () => {
    // Prepare: five marketing emails due at once hold the marketing slots to 1,250 ms from now.
    await burstOfFive();
    const buyer = await enrolledCustomer(6);
    const subscriber = await enrolledCustomer(7);

    // Act
    const receipt = await deliverMessage(ports, receiptStep(buyer));
    const marketing = await deliverMessage(ports, welcomeStep(subscriber));

    // Assess
    expect(receipt).toMatchObject({ outcome: 'sent', channel: 'email', replayed: false });
    expect(await emailsToCustomer(store, ses, buyer)).toBe(1);
    expect(marketing).toEqual({ outcome: 'deferred', channel: 'email', reason: 'rate_limited', until: new Date(NOON.getTime() + 5 * MARKETING_INTERVAL).toISOString() });
  });

  it("sends a second transactional email at once in marketing's idle capacity, which marketing then waits for, and defers the third to its share's next slot", async () => {
    // Prepare
    const buyers = await Promise.all([11, 12, 13].map(enrolledCustomer));
    const subscriber = await enrolledCustomer(14);

    // Act
    const receipts: DeliveryOutcome[] = [];
    for (const buyer of buyers) receipts.push(await deliverMessage(ports, receiptStep(buyer)));
    const marketing = await deliverMessage(ports, welcomeStep(subscriber));

    // Assess: two at once (one a second kept for transactional, and marketing's free slot), then
    // the transactional share's next slot a second later; the marketing email after the borrowed slot.
    expect(receipts).toEqual([
      expect.objectContaining({ outcome: 'sent', channel: 'email' }),
      expect.objectContaining({ outcome: 'sent', channel: 'email' }),
      { outcome: 'deferred', channel: 'email', reason: 'rate_limited', until: new Date(NOON.getTime() + 1000).toISOString() },
    ]);
    expect(marketing).toEqual({ outcome: 'deferred', channel: 'email', reason: 'rate_limited', until: new Date(NOON.getTime() + MARKETING_INTERVAL).toISOString() });
  });
});

describe('deliverMessage when SES says the daily quota is used up', () => {
  const HOLD_MS = 60 * 60 * 1000;
  let proxy: FaultProxy;

  beforeAll(async () => {
    proxy = await startFaultProxy(ses.endpoint);
  });

  afterAll(() => proxy.stop());

  /** `ports` with email sent through the fault proxy in front of the SES emulator. */
  function throughProxy(): DeliveryPorts {
    const sesClient = new SESv2Client({ ...PROVIDER_CLIENT_CONFIG, endpoint: proxy.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    return { ...ports, senders: { ...ports.senders, email: new SesEmailSender(sesClient, { fromEmailAddress: 'journeys@example.com', configurationSetName: 'overture-test' }) } };
  }

  it('defers the email an hour, reserving nothing, holds the slots so the next email waits behind it without asking SES, and sends it then', async () => {
    // Prepare: SES answers the first send as it does once the 24 hours' quota is sent.
    const viaProxy = throughProxy();
    const first = await enrolledCustomer(1);
    const second = await enrolledCustomer(2);
    proxy.inject({ status: 400, errorType: 'ThrottlingException', message: 'Daily message quota exceeded.' });
    const asked = proxy.requests;

    // Act
    const quota = await deliverMessage(viaProxy, welcomeStep(first));
    const behind = await deliverMessage(viaProxy, welcomeStep(second));
    const askedWhileHeld = proxy.requests - asked;
    const reserved = await store.getSendEntry(first, idempotencyKeyOf(welcomeStep(first).execution, 'welcome-email'));
    clock = new Date(NOON.getTime() + HOLD_MS);
    const later = await deliverMessage(viaProxy, welcomeStep(first, ['email'], { deferral: deferralOf(quota) }));

    // Assess: not failed after retries; the second email waits for the slot after the first's.
    expect(quota).toEqual({ outcome: 'deferred', channel: 'email', reason: 'rate_limited', until: new Date(NOON.getTime() + HOLD_MS).toISOString() });
    expect(behind).toEqual({ outcome: 'deferred', channel: 'email', reason: 'rate_limited', until: new Date(NOON.getTime() + HOLD_MS + MARKETING_INTERVAL).toISOString() });
    expect(askedWhileHeld).toBe(1);
    expect(reserved).toBeUndefined();
    expect(later).toMatchObject({ outcome: 'sent', channel: 'email', replayed: false });
    expect(await emailsToCustomer(store, ses, first)).toBe(1);
    expect(await emailsToCustomer(store, ses, second)).toBe(0);
  });

  it("holds transactional emails too, as the quota is the whole account's, but gives the first of them the end of the hold, ahead of the marketing emails queued behind it", async () => {
    // Prepare: a marketing email meets the used-up quota, and another queues behind it.
    const viaProxy = throughProxy();
    const first = await enrolledCustomer(1);
    const second = await enrolledCustomer(2);
    const buyer = await enrolledCustomer(3);
    proxy.inject({ status: 400, errorType: 'ThrottlingException', message: 'Daily message quota exceeded.' });
    await deliverMessage(viaProxy, welcomeStep(first));
    await deliverMessage(viaProxy, welcomeStep(second));
    const asked = proxy.requests;

    // Act
    const receipt = await deliverMessage(viaProxy, welcomeStep(buyer, ['email'], { step: 'receipt', execution: `receipt-${buyer}-1`, topic: 'transactional' }));

    // Assess: SES is not asked during the hold; the receipt's slot is the first after it.
    expect(receipt).toEqual({ outcome: 'deferred', channel: 'email', reason: 'rate_limited', until: new Date(NOON.getTime() + HOLD_MS).toISOString() });
    expect(proxy.requests - asked).toBe(0);
    expect(await emailsToCustomer(store, ses, buyer)).toBe(0);
  });
});
