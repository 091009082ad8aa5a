/**
 * A customer erased during a journey (docs/consent.md: erasure removes the customer's partition),
 * run on the local runtime with the synthesized state machine. The send path skips an unknown
 * customer as `unknown_customer`; a step that reads the profile ends the journey as cleanly, with
 * an exit of that reason, instead of failing the execution (an alarm no redrive fixes).
 */
import { BatchWriteItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { LocalRuntime } from '../../lib/local/runtime';
import { itemKeys } from '../../lib/store/item-keys';
import { PARTITION_KEY, SORT_KEY } from '../../lib/store/table-design';
import { activeCrossSell } from '../../workflows/catalog/active-cross-sell';
import { scheduleCustomerEvent, testOutdir } from '../local/support';

jest.setTimeout(300_000);

const START = Date.parse('2026-03-02T09:00:00Z');
const MINUTE = 60_000;
const DAY = 86_400_000;

let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await LocalRuntime.start({ journeys: [activeCrossSell], start: new Date(START), seed: 3, outdir: testOutdir('erased-customer'), inactivityScan: false });
});
afterAll(async () => {
  await runtime?.close();
});

/** Erasure: every item of the customer's partition removed. */
async function erase(customerId: string): Promise<void> {
  const { Items = [] } = await runtime.clients.dynamodb.send(
    new QueryCommand({
      TableName: runtime.tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY },
      ExpressionAttributeValues: { ':pk': { S: itemKeys.partition(customerId) } },
      ConsistentRead: true,
    }),
  );
  for (let index = 0; index < Items.length; index += 25) {
    const keys = Items.slice(index, index + 25).map((item) => ({ [PARTITION_KEY]: item[PARTITION_KEY] ?? { S: '' }, [SORT_KEY]: item[SORT_KEY] ?? { S: '' } }));
    await runtime.clients.dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [runtime.tableName]: keys.map((Key) => ({ DeleteRequest: { Key } })) } }));
  }
}

describe('a customer erased during a wait of active-cross-sell', () => {
  it('ends the execution at the branch that reads the profile, succeeded, with the exit unknown_customer that overture results shows', async () => {
    // Prepare: an active customer orders (enters), and is erased on day 1, during the 3-day wait before "what-fits".
    await runtime.store.importCustomer({
      profile: { customerId: 'c-erased', stage: 'active', timezone: 'UTC', email: 'c-erased@example.com', updatedAt: new Date(START).toISOString() },
      consents: [{ channel: 'email', topic: 'marketing', status: 'granted', at: '2026-03-01T00:00:00Z', proof: { source: 'web-form' } }],
    });
    scheduleCustomerEvent(runtime, { name: 'order_placed', customerId: 'c-erased', eventId: 'order-1', at: START + MINUTE });
    runtime.schedule({ at: START + DAY, order: ['c-erased'], key: 'c-erased', run: () => erase('c-erased') });

    // Act
    await runtime.run(new Date(START + 12 * DAY));

    // Assess
    const execution = runtime.stepFunctions.describeExecution('active-cross-sell-c-erased-order-1');
    expect({ status: execution.status, error: execution.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
    const results = await runtime.journeyResults('active-cross-sell');
    expect(results?.executions).toEqual({ SUCCEEDED: 1 });
    expect(results?.endings).toEqual([{ step: 'what-fits', kind: 'exit', reason: 'unknown_customer', count: 1 }]);
    expect(results?.steps.every((step) => step.reached === 0)).toBe(true);
  });
});
