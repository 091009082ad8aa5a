import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CustomerNotFoundError, CustomerStore, InvalidRecordError } from '../../lib/store';
import { countRequests, createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { aProfile, newCustomerId, partitionItems } from './fixtures';

let dynamo: DynaliteHarness;
let tableName: string;
let store: CustomerStore;

beforeAll(async () => {
  dynamo = await startDynalite();
  tableName = await createCustomerTable(dynamo.client, 'snapshot');
  store = new CustomerStore({ client: dynamo.client, tableName });
});

afterAll(() => dynamo.stop());

/** A customer with every kind of state and a history longer than the state. */
async function seedRealisticCustomer(customerId: string): Promise<void> {
  await store.putProfile(aProfile(customerId, { stage: 'active' }));
  for (const [channel, status] of [
    ['email', 'granted'],
    ['sms', 'granted'],
    ['mail', 'revoked'],
  ] as const) {
    await store.recordConsent(customerId, {
      channel,
      topic: 'marketing',
      status,
      at: '2026-03-01T12:00:00Z',
      proof: { source: 'web-form', ip: '203.0.113.7' },
    });
  }
  await store.recordConsent(customerId, {
    channel: 'email',
    topic: 'newsletter',
    status: 'granted',
    at: '2026-03-01T12:00:00Z',
    proof: { source: 'web-form' },
  });
  await store.putPreferences(customerId, {
    channels: ['email', 'sms'],
    quietHours: { start: '21:00', end: '08:00' },
    preferredWindow: { start: '17:00', end: '20:00' },
    maxPerWeek: 3,
  });
  await store.addSuppression(customerId, { channel: 'sms', reason: 'carrier_blocked', at: '2026-02-01T00:00:00Z' });
  await store.setAttributes(customerId, { interests: ['running'], tier: 'standard' }, { at: '2026-03-01T00:00:00Z', touchpoint: 'web' });
  await store.setAttributes(customerId, { tier: 'gold', orders: 3, vip: false, referrer: null }, { at: '2026-03-07T00:00:00Z', touchpoint: 'store' });
  await store.reserveSend({
    customerId,
    idempotencyKey: 'welcome-exec-1/welcome-email',
    journey: 'welcome',
    step: 'welcome-email',
    execution: 'welcome-exec-1',
    channel: 'email',
    topic: 'marketing',
    at: '2026-03-02T22:00:00Z',
    // Each consent, preference and suppression write above moved the version on.
    expectedFrequency: (await store.requireSnapshot(customerId)).frequency,
  });
  await store.recordDecision(customerId, {
    execution: 'welcome-exec-1',
    journey: 'welcome',
    step: 'welcome-email',
    at: '2026-03-02T22:00:00Z',
    outcome: 'sent',
    channel: 'email',
  });
}

describe('getSnapshot', () => {
  it('reads everything the gate needs with one strongly consistent Query request', async () => {
    // Prepare
    const customerId = newCustomerId();
    await seedRealisticCustomer(customerId);
    const counter = countRequests(dynamo.client);

    // Act
    const snapshot = await store.getSnapshot(customerId);

    // Assess
    counter.detach();
    expect(counter.commands).toEqual(['QueryCommand']);
    expect(counter.requests[0]?.input).toMatchObject({ ConsistentRead: true });
    // 1 profile + 4 consents + 1 preferences + 1 suppression + 5 attributes + 1 frequency; the
    // ledgers, attribute history, send ledger and decisions of the partition are not read.
    expect(counter.requests[0]?.output).toMatchObject({ Count: 13 });
    expect((await partitionItems(dynamo.client, tableName, customerId)).length).toBeGreaterThan(13);
    expect(snapshot).toEqual({
      profile: aProfile(customerId, { stage: 'active' }),
      consents: expect.arrayContaining([
        { channel: 'email', topic: 'marketing', status: 'granted', at: '2026-03-01T12:00:00Z', source: 'web-form' },
        { channel: 'sms', topic: 'marketing', status: 'granted', at: '2026-03-01T12:00:00Z', source: 'web-form' },
        { channel: 'mail', topic: 'marketing', status: 'revoked', at: '2026-03-01T12:00:00Z', source: 'web-form' },
        { channel: 'email', topic: 'newsletter', status: 'granted', at: '2026-03-01T12:00:00Z', source: 'web-form' },
      ]),
      preferences: {
        channels: ['email', 'sms'],
        quietHours: { start: '21:00', end: '08:00' },
        preferredWindow: { start: '17:00', end: '20:00' },
        maxPerWeek: 3,
      },
      suppressions: [{ channel: 'sms', reason: 'carrier_blocked', at: '2026-02-01T00:00:00Z' }],
      attributes: {
        interests: { value: ['running'], changedAt: '2026-03-01T00:00:00Z', touchpoint: 'web' },
        tier: { value: 'gold', previous: 'standard', changedAt: '2026-03-07T00:00:00Z', touchpoint: 'store' },
        orders: { value: 3, changedAt: '2026-03-07T00:00:00Z', touchpoint: 'store' },
        vip: { value: false, changedAt: '2026-03-07T00:00:00Z', touchpoint: 'store' },
        referrer: { value: null, changedAt: '2026-03-07T00:00:00Z', touchpoint: 'store' },
      },
      // 4 consents, the preferences and the suppression moved it to 6; the reservation to 7.
      frequency: { sends: [{ key: 'welcome-exec-1/welcome-email', at: '2026-03-02T22:00:00Z' }], version: 7 },
    });
    expect(snapshot?.consents).toHaveLength(4);
  });

  it('gives a customer without marketing sends an empty frequency at version 0', async () => {
    // Prepare
    const customerId = newCustomerId();
    await store.putProfile(aProfile(customerId));

    // Act
    const snapshot = await store.getSnapshot(customerId);

    // Assess
    expect(snapshot).toEqual({
      profile: aProfile(customerId),
      consents: [],
      preferences: {},
      suppressions: [],
      attributes: {},
      frequency: { sends: [], version: 0 },
    });
  });

  it('returns undefined for a customer without a profile, even when other records exist', async () => {
    // Prepare
    const customerId = newCustomerId();
    await store.putPreferences(customerId, { maxPerWeek: 2 });

    // Act
    const snapshot = await store.getSnapshot(customerId);

    // Assess
    expect(snapshot).toBeUndefined();
    await expect(store.requireSnapshot(customerId)).rejects.toBeInstanceOf(CustomerNotFoundError);
  });

  it('follows the pages of a state larger than one Query page', async () => {
    // Prepare: three attributes of ~380 KB exceed the 1 MB page.
    const customerId = newCustomerId();
    await store.putProfile(aProfile(customerId));
    const big = (letter: string) => letter.repeat(380_000);
    await store.setAttributes(customerId, { a: big('a'), b: big('b'), c: big('c') }, { at: '2026-03-01T00:00:00Z' });
    const counter = countRequests(dynamo.client);

    // Act
    const snapshot = await store.getSnapshot(customerId);

    // Assess
    counter.detach();
    expect(counter.count('QueryCommand')).toBeGreaterThan(1);
    expect(Object.keys(snapshot?.attributes ?? {}).sort()).toEqual(['a', 'b', 'c']);
  });

  it('rejects a malformed stored profile, naming the item and the field', async () => {
    // Prepare: written around the store, as a buggy or older writer might.
    const customerId = newCustomerId();
    await dynamo.client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          pk: { S: `CUSTOMER#${customerId}` },
          sk: { S: 'STATE#PROFILE' },
          customerId: { S: customerId },
          stage: { S: 'prospect' },
          timezone: { S: 'Mars/Base' },
          updatedAt: { S: '2026-03-01T12:00:00Z' },
        },
      }),
    );

    // Act
    const reading = store.getSnapshot(customerId);

    // Assess
    await expect(reading).rejects.toBeInstanceOf(InvalidRecordError);
    await expect(reading).rejects.toThrow(
      `stored item STATE#PROFILE of customer ${customerId}: profile.timezone: unknown time zone "Mars/Base"`,
    );
  });
});
