import { removeTaskToken, storeTaskToken, waitingTasks } from '../../lib/ingest/task-tokens';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';

let dynamo: DynaliteHarness;
let tableName: string;

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(() => dynamo.stop());
beforeEach(async () => {
  tableName = await createCustomerTable(dynamo.client, 'tokens');
});

const wait = { customerId: 'c-001', journey: 'welcome', step: 'first-order', execution: 'welcome-c-001-s1', event: 'order_placed', timeoutSeconds: 604800 };
const at = new Date('2026-03-02T10:00:00.000Z');

describe('task tokens', () => {
  it('finds the waits of one customer for one event only', async () => {
    // Prepare
    const table = { client: dynamo.client, tableName };
    await storeTaskToken(table, { ...wait, taskToken: 't-1' }, at);
    await storeTaskToken(table, { ...wait, event: 'order_placed_later', taskToken: 't-2' }, at);
    await storeTaskToken(table, { ...wait, customerId: 'c-002', taskToken: 't-3' }, at);

    // Act
    const tasks = await waitingTasks(table, 'c-001', 'order_placed');

    // Assess
    expect(tasks).toEqual([{ customerId: 'c-001', event: 'order_placed', journey: 'welcome', step: 'first-order', execution: 'welcome-c-001-s1', taskToken: 't-1', storedAt: at.toISOString() }]);
  });

  it('keeps a newer wait of the same execution when the spent token is removed', async () => {
    // Prepare
    const table = { client: dynamo.client, tableName };
    await storeTaskToken(table, { ...wait, taskToken: 'old' }, at);
    const [spent] = await waitingTasks(table, 'c-001', 'order_placed');
    await storeTaskToken(table, { ...wait, step: 'second-wait', taskToken: 'new' }, at);

    // Act
    const removed = spent ? await removeTaskToken(table, spent) : undefined;

    // Assess
    expect(removed).toBe(false);
    expect((await waitingTasks(table, 'c-001', 'order_placed')).map((task) => task.taskToken)).toEqual(['new']);
  });
});
