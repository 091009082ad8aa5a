import { CustomerStore, InvalidRecordError } from '../../lib/store';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { aProfile, newCustomerId, partitionItems } from './fixtures';

let dynamo: DynaliteHarness;
let tableName: string;
let store: CustomerStore;

beforeAll(async () => {
  dynamo = await startDynalite();
  tableName = await createCustomerTable(dynamo.client, 'validation');
  store = new CustomerStore({ client: dynamo.client, tableName });
});

afterAll(() => dynamo.stop());

/** A customer with a profile and a consent, so "unchanged" means more than "still empty". */
async function existingCustomer(): Promise<string> {
  const customerId = newCustomerId();
  await store.putProfile(aProfile(customerId));
  await store.recordConsent(customerId, {
    channel: 'email',
    topic: 'marketing',
    status: 'granted',
    at: '2026-03-01T12:00:00Z',
    proof: { source: 'web-form' },
  });
  return customerId;
}

/** Malformed input: the casts stand for data arriving from outside the type system. */
const cases: Array<{ what: string; write: (customerId: string) => Promise<unknown>; message: string }> = [
  {
    what: 'a profile with an unknown time zone',
    write: (customerId) => store.putProfile(aProfile(customerId, { timezone: 'Mars/Base' })),
    message: 'profile.timezone: unknown time zone "Mars/Base"',
  },
  {
    what: 'a profile with a phone number that is not E.164',
    write: (customerId) => store.putProfile(aProfile(customerId, { phone: '555-0143' })),
    message: 'profile.phone: must be an E.164 phone number',
  },
  {
    what: 'a profile with a lower-case country code',
    write: (customerId) =>
      store.putProfile(aProfile(customerId, { address: { line1: '1 Main St', city: 'X', postalCode: '1', country: 'us' } })),
    message: 'profile.address.country: must be an ISO 3166-1 alpha-2 country code',
  },
  {
    what: 'a consent without a proof source',
    write: (customerId) =>
      store.recordConsent(customerId, {
        channel: 'email',
        topic: 'marketing',
        status: 'revoked',
        at: '2026-03-05T00:00:00Z',
        proof: { source: '' },
      }),
    message: 'consent.proof.source',
  },
  {
    what: 'a consent on an unknown channel',
    write: (customerId) =>
      store.recordConsent(customerId, {
        channel: 'fax' as 'email',
        topic: 'marketing',
        status: 'revoked',
        at: '2026-03-05T00:00:00Z',
        proof: { source: 'web-form' },
      }),
    message: 'consent.channel',
  },
  {
    what: 'preferences that repeat a channel',
    write: (customerId) => store.putPreferences(customerId, { channels: ['email', 'email'] }),
    message: 'preferences.channels: must not repeat a channel',
  },
  {
    what: 'quiet hours with a time of day out of range',
    write: (customerId) => store.putPreferences(customerId, { quietHours: { start: '25:00', end: '08:00' } }),
    message: 'preferences.quietHours.start: must be a time of day "HH:MM"',
  },
  {
    what: 'a suppression without an instant',
    write: (customerId) => store.addSuppression(customerId, { channel: 'sms', reason: 'complaint', at: 'yesterday' }),
    message: 'suppression.at',
  },
  {
    what: 'an attribute whose value is an object',
    write: (customerId) =>
      store.setAttributes(customerId, { tier: { level: 'gold' } as unknown as string }, { at: '2026-03-07T00:00:00Z' }),
    message: 'attributes.tier',
  },
  {
    what: 'attribute changes from an unknown touchpoint',
    write: (customerId) =>
      store.setAttributes(customerId, { tier: 'gold' }, { at: '2026-03-07T00:00:00Z', touchpoint: 'carrier-pigeon' as 'web' }),
    message: 'context.touchpoint',
  },
  {
    what: 'a reservation with a negative frequency version',
    write: (customerId) =>
      store.reserveSend({
        customerId,
        idempotencyKey: 'exec-1/step-1',
        journey: 'welcome',
        step: 'step-1',
        execution: 'exec-1',
        channel: 'email',
        topic: 'marketing',
        at: '2026-03-02T22:00:00Z',
        expectedFrequency: { sends: [], version: -1 },
      }),
    message: 'reservation.expectedFrequency.version',
  },
  {
    what: 'a deferral decision without its until',
    write: (customerId) =>
      store.recordDecision(customerId, {
        execution: 'exec-1',
        journey: 'welcome',
        step: 'step-1',
        at: '2026-03-02T22:00:00Z',
        outcome: 'deferred',
        reason: 'quiet_hours',
      }),
    message: 'decision.until: is required when outcome is "deferred"',
  },
];

describe('malformed records', () => {
  it.each(cases)('rejects $what, naming the field, and writes nothing', async ({ write, message }) => {
    // Prepare
    const customerId = await existingCustomer();
    const before = await partitionItems(dynamo.client, tableName, customerId);

    // Act
    const writing = write(customerId);

    // Assess
    await expect(writing).rejects.toBeInstanceOf(InvalidRecordError);
    await expect(writing).rejects.toThrow(message);
    expect(await partitionItems(dynamo.client, tableName, customerId)).toEqual(before);
  });

  it('reports every problem of a record, each with its path', async () => {
    // Prepare
    const customerId = newCustomerId();

    // Act
    const error = await store
      .putProfile(aProfile(customerId, { timezone: 'Mars/Base', email: 'not-an-address', stage: 'vip' as 'active' }))
      .catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(InvalidRecordError);
    const invalid = error as InvalidRecordError;
    expect(invalid.issues.map((issue) => issue.path).sort()).toEqual(['profile.email', 'profile.stage', 'profile.timezone']);
    expect(invalid.field).toMatch(/^profile\./);
    expect(await partitionItems(dynamo.client, tableName, customerId)).toEqual([]);
  });

  it('rejects a customer id that could not be a partition of ours', async () => {
    // Act
    const reading = store.getSnapshot('has spaces#and-hash');

    // Assess
    await expect(reading).rejects.toThrow('customerId: must be 1–64 letters, digits, "-" or "_"');
  });
});
