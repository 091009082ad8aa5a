/**
 * `overture why` tells a customer id nothing is recorded under from a customer with no decisions
 * or sends yet: any record of the customer makes it known, not only a profile.
 */
import { knownCustomerHistory } from '../../lib/local/customer-history';
import { CustomerStore } from '../../lib/store/customer-store';
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
    expect(history).toEqual([]);
  });

  it('knows no customer under an id nothing is recorded for', async () => {
    // Act
    const history = await knownCustomerHistory(store, dynamo.client, tableName, 'c-nobody');

    // Assess
    expect(history).toBeUndefined();
  });
});
