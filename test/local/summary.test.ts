import { RunningSummary } from '../../lib/local/summary';
import { CustomerStore } from '../../lib/store/customer-store';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';

let dynamo: DynaliteHarness;

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(() => dynamo.stop());

describe('running summary after a restart', () => {
  it('goes on from the decisions the table holds: skips once per step, every deferral', async () => {
    // Prepare: a step deferred twice, then another step skipped
    const tableName = await createCustomerTable(dynamo.client, 'summary');
    const store = new CustomerStore({ client: dynamo.client, tableName });
    const step = { execution: 'welcome-c-1-e1', journey: 'welcome', step: 'hello' };
    await store.recordDecision('c-1', { ...step, at: '2026-03-02T20:00:00.000Z', outcome: 'deferred', channel: 'email', reason: 'quiet_hours', until: '2026-03-02T21:00:00.000Z' });
    await store.recordDecision('c-1', { ...step, at: '2026-03-02T21:00:00.000Z', outcome: 'deferred', channel: 'email', reason: 'quiet_hours', until: '2026-03-03T08:00:00.000Z' });
    await store.recordDecision('c-2', { execution: 'welcome-c-2-e1', journey: 'welcome', step: 'hello', at: '2026-03-02T20:00:00.000Z', outcome: 'skipped', reason: 'no_consent' });
    const summary = new RunningSummary();

    // Act: load, then the resumed execution answers the skipped step again
    await summary.loadFrom(dynamo.client, tableName);
    summary.record({ execution: 'welcome-c-2-e1', step: 'hello' }, { outcome: 'skipped', reason: 'no_consent' });

    // Assert
    expect(summary.line()).toBe('sent 0 · skipped 1 (no_consent 1) · deferred 2');
  });
});

describe('running summary of send steps', () => {
  it('tells a message sent now from a step a restart ran again, which the ledger answered as sent', () => {
    // Prepare
    const summary = new RunningSummary();

    // Act
    const replayed = summary.record({ execution: 'welcome-c-1-e1', step: 'hello' }, { outcome: 'sent', channel: 'email', providerMessageId: 'm-1', replayed: true });
    const sentNow = summary.record({ execution: 'welcome-c-2-e1', step: 'hello' }, { outcome: 'sent', channel: 'email', providerMessageId: 'm-2', replayed: false });
    const sentAgain = summary.record({ execution: 'welcome-c-2-e1', step: 'hello' }, { outcome: 'sent', channel: 'email', providerMessageId: 'm-2', replayed: false });

    // Assess: the replayed step is counted from the table (loadFrom), not here.
    expect([replayed, sentNow, sentAgain]).toEqual([false, true, false]);
    expect(summary.line()).toBe('sent 1 (email 1) · skipped 0 · deferred 0');
  });
});
