import fc from 'fast-check';
import type { AttributeValue as DynamoValue } from '@aws-sdk/client-dynamodb';
import type { AttributeValue, Channel, ConsentStatus } from '../../lib/customer/model';
import { CustomerStore, LAPSE_KEY, type CustomerImport } from '../../lib/store';
import { itemKeys, lapseShard } from '../../lib/store/item-keys';
import { SORT_KEY } from '../../lib/store/table-design';
import { countRequests, createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { aProfile, newCustomerId, partitionItems } from './fixtures';

let dynamo: DynaliteHarness;
let tableName: string;
let store: CustomerStore;

beforeAll(async () => {
  dynamo = await startDynalite();
  tableName = await createCustomerTable(dynamo.client, 'import');
  store = new CustomerStore({ client: dynamo.client, tableName });
});

afterAll(() => dynamo.stop());

/** What importCustomer is defined to equal: the single-record methods, called in order. */
async function recordOneByOne(customer: CustomerImport): Promise<void> {
  const id = customer.profile.customerId;
  await store.putProfile(customer.profile);
  if (customer.preferences !== undefined) await store.putPreferences(id, customer.preferences);
  for (const consent of customer.consents ?? []) await store.recordConsent(id, consent);
  for (const suppression of customer.suppressions ?? []) await store.addSuppression(id, suppression);
  for (const group of customer.attributes ?? []) await store.setAttributes(id, group.changes, group.context);
}

/**
 * A partition's items without the partition key, and with the lapse-index shard (a digest of the
 * customer id) checked and then named, so two customers' partitions compare.
 */
async function itemsOf(customerId: string): Promise<Array<Record<string, DynamoValue>>> {
  const shard = `#${lapseShard(customerId)}`;
  return (await partitionItems(dynamo.client, tableName, customerId)).map(({ pk: _pk, ...rest }) => {
    const lapseKey = rest[LAPSE_KEY]?.S;
    if (lapseKey === undefined) return rest;
    expect(lapseKey.endsWith(shard)).toBe(true);
    return { ...rest, [LAPSE_KEY]: { S: `${lapseKey.slice(0, -shard.length)}#<shard>` } };
  });
}

function withId(customer: CustomerImport, customerId: string): CustomerImport {
  return { ...customer, profile: { ...customer.profile, customerId } };
}

// Few values, so that repeats, ties and one instant spelt two ways come up often.
const instants = fc.constantFrom('2026-02-01T00:00:00Z', '2026-02-01T00:00:00.000Z', '2026-03-01T09:30:00Z');
const channels = fc.constantFrom<Channel>('email', 'sms');

const customers: fc.Arbitrary<Omit<CustomerImport, 'profile'>> = fc.record({
  preferences: fc.option(fc.record({ channels: fc.constant<Channel[]>(['sms', 'email']), maxPerWeek: fc.integer({ min: 1, max: 5 }) }), { nil: undefined }),
  consents: fc.array(
    fc.record({
      channel: channels,
      topic: fc.constant('marketing'),
      status: fc.constantFrom<ConsentStatus>('granted', 'revoked', 'pending'),
      at: instants,
      proof: fc.record({ source: fc.constantFrom('web-form', 'import') }),
    }),
    { maxLength: 8 },
  ),
  suppressions: fc.array(fc.record({ channel: channels, reason: fc.constantFrom('hard_bounce' as const, 'complaint' as const), at: instants }), { maxLength: 4 }),
  attributes: fc.array(
    fc.record({
      changes: fc.dictionary(fc.constantFrom('tier', 'interests', 'lastEvent.order_placed'), fc.constantFrom<AttributeValue>('gold', 'silver', ['running'], 3)),
      context: fc.record({ at: instants }),
    }),
    { maxLength: 4 },
  ),
});

describe('importCustomer', () => {
  it('leaves item for item what the single-record methods leave, called in the same order', async () => {
    await fc.assert(
      fc.asyncProperty(customers, async (customer) => {
        // Prepare
        const imported = newCustomerId('imported');
        const recorded = newCustomerId('recorded');
        const profile = aProfile('placeholder');

        // Act
        await store.importCustomer(withId({ profile, ...customer }, imported));
        await recordOneByOne(withId({ profile, ...customer }, recorded));

        // Assess: the single-record methods also move the frequency item's version with each
        // permission change, so that sends in flight decide again; a new customer has none, and
        // the import leaves that item absent (version 0).
        const importedItems = await itemsOf(imported);
        expect(importedItems.filter((item) => item[SORT_KEY]?.S === itemKeys.frequency())).toEqual([]);
        const recordedItems = (await itemsOf(recorded)).filter((item) => item[SORT_KEY]?.S !== itemKeys.frequency());
        expect(JSON.stringify(importedItems)).toEqual(JSON.stringify(recordedItems).replaceAll(recorded, imported));
      }),
      { numRuns: 60 },
    );
  });

  it('writes a customer with 25 records or fewer in one request', async () => {
    // Prepare
    const counter = countRequests(dynamo.client);
    const customerId = newCustomerId();
    const consents = (['email', 'sms', 'mail'] as const).map((channel) => ({
      channel,
      topic: 'marketing',
      status: 'granted' as const,
      at: '2026-03-01T00:00:00Z',
      proof: { source: 'web-form' },
    }));

    // Act
    await store.importCustomer({ profile: aProfile(customerId), consents, attributes: [{ changes: { tier: 'gold' }, context: { at: '2026-03-01T00:00:00Z' } }] });

    // Assess
    counter.detach();
    expect(counter.commands).toEqual(['BatchWriteItemCommand']);
    expect((await store.requireSnapshot(customerId)).attributes.tier?.value).toBe('gold');
  });

  it('rejects an invalid record before writing anything', async () => {
    // Prepare
    const customerId = newCustomerId();

    // Act
    const attempt = store.importCustomer({
      profile: aProfile(customerId),
      consents: [{ channel: 'email', topic: 'marketing', status: 'granted', at: 'yesterday', proof: { source: 'web-form' } }],
    });

    // Assess
    await expect(attempt).rejects.toThrow(/consent/);
    expect(await partitionItems(dynamo.client, tableName, customerId)).toEqual([]);
  });
});
