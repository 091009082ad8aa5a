/**
 * `overture why` tells a customer id nothing is recorded under from a customer with no decisions
 * or sends yet: any record of the customer makes it known, not only a profile. Its history holds
 * the journeys' own records too (goals, exits, stage changes, sends failed after their retries).
 */
import { journeyEffectsPorts } from '../../lib/ingest/journey-records';
import { knownCustomerHistory } from '../../lib/local/customer-history';
import { formatHistoryEntry } from '../../lib/local/stack-views';
import { CustomerStore } from '../../lib/store/customer-store';
import { eraseCustomer } from '../../lib/store/erase-customer';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';

let dynamo: DynaliteHarness;
let tableName: string;
let store: CustomerStore;

beforeAll(async () => {
  dynamo = await startDynalite();
  tableName = await createCustomerTable(dynamo.client, 'history');
  store = new CustomerStore({ client: dynamo.client, tableName });
});
afterAll(() => dynamo.stop());

describe('knownCustomerHistory', () => {
  it('knows a customer whose consents were recorded before any profile, with an empty history', async () => {
    // Prepare
    await store.recordConsent('c-consent-only', { channel: 'email', topic: 'marketing', status: 'granted', at: '2026-03-02T10:00:00Z', proof: { source: 'crm' } });

    // Act
    const history = await knownCustomerHistory(store, dynamo.client, tableName, 'c-consent-only');

    // Assess
    expect(history).toEqual({ entries: [] });
  });

  it('knows no customer under an id nothing is recorded for', async () => {
    // Act
    const history = await knownCustomerHistory(store, dynamo.client, tableName, 'c-nobody');

    // Assess
    expect(history).toBeUndefined();
  });

  it('knows an erased customer by the erasure\'s time, with what was written after it', async () => {
    // Prepare: a step that had read the customer before the erasure recorded its decision after it.
    await store.putProfile({ customerId: 'c-erased', stage: 'prospect', timezone: 'UTC', updatedAt: '2026-03-02T09:00:00Z' });
    const { erasedAt } = await eraseCustomer({ client: dynamo.client, tableName }, 'c-erased', { now: new Date('2026-03-02T10:00:00Z') });
    const before = await knownCustomerHistory(store, dynamo.client, tableName, 'c-erased');
    await store.recordDecision('c-erased', { journey: 'welcome', execution: 'welcome-c-erased-e-1', step: 'welcome-email', at: '2026-03-02T10:00:01.000Z', outcome: 'skipped', reason: 'no_consent' });

    // Act
    const after = await knownCustomerHistory(store, dynamo.client, tableName, 'c-erased');

    // Assess
    expect(before).toEqual({ entries: [], erasedAt: '2026-03-02T10:00:00.000Z' });
    expect(after).toMatchObject({ erasedAt, entries: [{ kind: 'decision', at: '2026-03-02T10:00:01.000Z' }] });
  });

  it('holds what the journeys recorded of the customer, in time order after the decisions and sends of the same instant', async () => {
    // Prepare: welcome set the stage, its email failed after its retries, and the journey exited.
    const customerId = 'c-journeys';
    await store.putProfile({ customerId, stage: 'prospect', timezone: 'UTC', updatedAt: '2026-03-02T09:00:00Z' });
    const ports = journeyEffectsPorts({ store, client: dynamo.client, tableName });
    const ids = { customerId, journey: 'welcome', execution: 'welcome-c-journeys-e-1' };
    await ports.recordOutcome({ ...ids, step: 'end', kind: 'exit', reason: 'completed', at: '2026-03-02T12:00:00.000Z' });
    await ports.recordOutcome({ ...ids, step: 'welcome-email', kind: 'sendFailed', error: 'ProviderThrottledError', at: '2026-03-02T10:00:00.000Z' });
    await ports.setStage({ ...ids, step: 'new-customer', stage: 'new_customer', at: '2026-03-02T10:00:00.000Z' });
    await store.recordDecision(customerId, { ...ids, step: 'welcome-email', at: '2026-03-02T10:00:00.000Z', outcome: 'deferred', channel: 'email', reason: 'rate_limited', until: '2026-03-02T10:00:01.000Z' });

    // Act
    const history = await knownCustomerHistory(store, dynamo.client, tableName, customerId);

    // Assess
    expect(history?.entries.map(formatHistoryEntry)).toEqual([
      '2026-03-02T10:00:00.000Z  welcome/welcome-email  deferred email until 2026-03-02T10:00:01.000Z (rate_limited)  [welcome-c-journeys-e-1]',
      '2026-03-02T10:00:00.000Z  welcome/new-customer  stage set to new_customer  [welcome-c-journeys-e-1]',
      '2026-03-02T10:00:00.000Z  welcome/welcome-email  send failed after its retries (ProviderThrottledError); nothing sent  [welcome-c-journeys-e-1]',
      '2026-03-02T12:00:00.000Z  welcome/end  exited (completed)  [welcome-c-journeys-e-1]',
    ]);
  });
});
