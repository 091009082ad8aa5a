/**
 * Lifecycle stages stated at the same instant, on the DynamoDB emulator: two journeys may answer
 * one event with different stages (welcome's goal sets `active`, prospect-nurture's `new_customer`,
 * both dated at the first order), and the customer ends at the further one, in either arrival order.
 */
import fc from 'fast-check';
import { LIFECYCLE_STAGES, type LifecycleStage } from '../../lib/customer/model';
import { CustomerStore } from '../../lib/store';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { aProfile, newCustomerId } from './fixtures';

const ORDER_AT = '2026-03-04T10:15:00Z';

let dynamo: DynaliteHarness;
let store: CustomerStore;

beforeAll(async () => {
  dynamo = await startDynalite();
  store = new CustomerStore({ client: dynamo.client, tableName: await createCustomerTable(dynamo.client, 'same-instant-stage') });
});

afterAll(() => dynamo.stop());

async function prospect(): Promise<string> {
  const customerId = newCustomerId('stage');
  await store.putProfile(aProfile(customerId, { stage: 'prospect', updatedAt: '2026-03-01T12:00:00Z' }));
  return customerId;
}

describe('setStage at the same instant', () => {
  it.each([
    ['active first', ['active', 'new_customer']],
    ['new_customer first', ['new_customer', 'active']],
  ] as const)('stays active, not set back to new_customer, when both are set at the order instant (%s)', async (_, stages) => {
    // Prepare
    const customerId = await prospect();

    // Act
    const outcomes = [];
    for (const stage of stages) outcomes.push(await store.setStage(customerId, stage, ORDER_AT));

    // Assess
    expect((await store.requireSnapshot(customerId)).profile.stage).toBe('active');
    expect(outcomes).toEqual(stages[0] === 'active' ? ['set', 'kept_later'] : ['set', 'set']);
  });

  it('ends at the same stage whichever of two stages stated at one instant arrives last', async () => {
    const stageArb = fc.constantFrom<LifecycleStage>(...LIFECYCLE_STAGES);
    await fc.assert(
      fc.asyncProperty(stageArb, stageArb, async (first, second) => {
        // Prepare
        const [one, other] = [await prospect(), await prospect()];

        // Act
        for (const stage of [first, second]) await store.setStage(one, stage, ORDER_AT);
        for (const stage of [second, first]) await store.setStage(other, stage, ORDER_AT);

        // Assess
        const stageOf = async (customerId: string) => (await store.requireSnapshot(customerId)).profile.stage;
        expect(await stageOf(one)).toBe(await stageOf(other));
      }),
      { numRuns: 25 },
    );
  });

  it('ends a lapsed customer who ordered at the lapse instant active, not lapsed', async () => {
    // Prepare
    const customerId = await prospect();

    // Act
    await store.setStage(customerId, 'active', ORDER_AT);
    const outcome = await store.setStage(customerId, 'lapsed', ORDER_AT);

    // Assess
    expect(outcome).toBe('kept_later');
    expect((await store.requireSnapshot(customerId)).profile.stage).toBe('active');
  });

  it('still lets a later stage set the customer back (active, then lapsed the next quarter)', async () => {
    // Prepare
    const customerId = await prospect();
    await store.setStage(customerId, 'active', ORDER_AT);

    // Act
    const outcome = await store.setStage(customerId, 'lapsed', '2026-06-02T10:15:00Z');

    // Assess
    expect(outcome).toBe('set');
    expect((await store.requireSnapshot(customerId)).profile.stage).toBe('lapsed');
  });

  it('keeps the further stage when an event states an earlier one at the same instant (updateProfile)', async () => {
    // Prepare
    const customerId = await prospect();
    await store.setStage(customerId, 'active', ORDER_AT);

    // Act
    const outcome = await store.updateProfile(customerId, { stage: 'new_customer' }, ORDER_AT);

    // Assess
    expect(outcome).toEqual({ kind: 'stale' });
    expect((await store.requireSnapshot(customerId)).profile.stage).toBe('active');
  });
});
