import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { journeyEffectsPorts, JOURNEY_RECORD_PREFIX } from '../../lib/ingest/journey-records';
import { CustomerNotFoundError, performJourneyEffect } from '../../lib/journeys/effects';
import { CustomerStore } from '../../lib/store/customer-store';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';

let dynamo: DynaliteHarness;
let tableName: string;
let store: CustomerStore;
const now = new Date('2026-03-02T10:00:00.000Z');
const ids = { customerId: 'c-001', journey: 'welcome', execution: 'welcome-c-001-signup-1' };

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(() => dynamo.stop());
beforeEach(async () => {
  tableName = await createCustomerTable(dynamo.client, 'effects');
  store = new CustomerStore({ client: dynamo.client, tableName });
  await store.putProfile({ customerId: 'c-001', stage: 'prospect', timezone: 'Europe/Paris', email: 'ana@example.com', updatedAt: '2026-03-01T00:00:00.000Z' });
});

const ports = () => journeyEffectsPorts({ store, client: dynamo.client, tableName, now: () => now });

async function journeyRecords(customerId: string): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await dynamo.client.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': { S: `CUSTOMER#${customerId}` }, ':prefix': { S: JOURNEY_RECORD_PREFIX } },
    }),
  );
  return Items.map((item) => unmarshall(item));
}

describe('journeyEffects ports on the customer table', () => {
  it('keeps a stage set later than a step whose stage change lands after it, and still records the step', async () => {
    // Prepare: another journey moved the customer on at 11:00.
    await ports().setStage({ ...ids, execution: 'loyalty-c-001-x', journey: 'loyalty', step: 'loyal', stage: 'loyal', at: '2026-03-02T11:00:00.000Z' });

    // Act: this step ran at 10:00 (the ports' clock) but lands now.
    await performJourneyEffect({ ...ids, step: 'new-customer', action: 'setStage', stage: 'new_customer' }, ports());

    // Assess
    expect((await store.requireSnapshot('c-001')).profile.stage).toBe('loyal');
    expect((await journeyRecords('c-001')).map((record) => [record.execution, record.stage])).toEqual([
      ['loyalty-c-001-x', 'loyal'],
      ['welcome-c-001-signup-1', 'new_customer'],
    ]);
  });

  it('moves the stage and leaves every other profile field and its time as they were', async () => {
    // Act
    await performJourneyEffect({ ...ids, step: 'new-customer', action: 'setStage', stage: 'new_customer' }, ports());

    // Assess
    expect((await store.requireSnapshot('c-001')).profile).toEqual({
      customerId: 'c-001',
      stage: 'new_customer',
      timezone: 'Europe/Paris',
      email: 'ana@example.com',
      updatedAt: '2026-03-01T00:00:00.000Z',
    });
    expect(await journeyRecords('c-001')).toEqual([
      expect.objectContaining({ record: 'stage', stage: 'new_customer', step: 'new-customer', execution: ids.execution, at: now.toISOString() }),
    ]);
  });

  it('records a goal once, however often Step Functions runs the Task', async () => {
    // Prepare
    const goal = { ...ids, step: 'converted', action: 'goal', event: 'order_placed', stage: 'active' } as const;

    // Act
    await performJourneyEffect(goal, ports());
    await performJourneyEffect(goal, journeyEffectsPorts({ store, client: dynamo.client, tableName, now: () => new Date('2026-03-03T00:00:00Z') }));

    // Assess
    const records = await journeyRecords('c-001');
    expect(records).toEqual([
      expect.objectContaining({ record: 'goal', event: 'order_placed', at: now.toISOString() }),
      expect.objectContaining({ record: 'stage', stage: 'active', at: now.toISOString() }),
    ]);
    expect((await store.requireSnapshot('c-001')).profile.stage).toBe('active');
  });

  it('records the exit reason and the error name of a failed send, never a cause', async () => {
    // Act
    await performJourneyEffect({ ...ids, step: 'held-out', action: 'exit', reason: 'holdout_lapsed' }, ports());
    await performJourneyEffect({ ...ids, step: 'welcome-email', action: 'sendFailed', error: 'ProviderRejectedError' }, ports());

    // Assess
    const records = await journeyRecords('c-001');
    expect(records.map(({ record, reason, error }) => ({ record, reason, error }))).toEqual([
      { record: 'exit', reason: 'holdout_lapsed', error: undefined },
      { record: 'sendFailed', reason: undefined, error: 'ProviderRejectedError' },
    ]);
  });

  it('fails a stage change for a customer without a profile, naming the customer', async () => {
    await expect(
      performJourneyEffect({ ...ids, customerId: 'c-404', step: 'new-customer', action: 'setStage', stage: 'new_customer' }, ports()),
    ).rejects.toThrow(CustomerNotFoundError);
    await expect(
      performJourneyEffect({ ...ids, customerId: 'c-404', step: 'new-customer', action: 'setStage', stage: 'new_customer' }, ports()),
    ).rejects.toThrow('customer c-404 not found');
  });
});
