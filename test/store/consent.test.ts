import fc from 'fast-check';
import type { ConsentStatus } from '../../lib/customer/model';
import { CustomerStore, type ConsentEvent } from '../../lib/store';
import { countRequests, createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { aProfile, newCustomerId, partitionItems, partitionSortKeys } from './fixtures';

let dynamo: DynaliteHarness;
let tableName: string;
let store: CustomerStore;

beforeAll(async () => {
  dynamo = await startDynalite();
  tableName = await createCustomerTable(dynamo.client, 'consent');
  store = new CustomerStore({ client: dynamo.client, tableName });
});

afterAll(() => dynamo.stop());

function consentEvent(overrides: Partial<ConsentEvent> = {}): ConsentEvent {
  return {
    channel: 'email',
    topic: 'marketing',
    status: 'granted',
    at: '2026-03-01T12:00:00Z',
    proof: {
      source: 'web-form',
      ip: '203.0.113.7',
      userAgent: 'Mozilla/5.0',
      formId: 'signup-footer',
      consentTextVersion: 'v3',
    },
    ...overrides,
  };
}

async function currentConsent(customerId: string) {
  const snapshot = await store.requireSnapshot(customerId);
  return snapshot.consents.find((consent) => consent.channel === 'email' && consent.topic === 'marketing');
}

describe('recordConsent', () => {
  it('appends the ledger entry and changes the current state in one TransactWriteItems', async () => {
    // Prepare
    const customerId = newCustomerId();
    await store.putProfile(aProfile(customerId));
    const counter = countRequests(dynamo.client);

    // Act
    const outcome = await store.recordConsent(customerId, consentEvent());

    // Assess
    counter.detach();
    expect(counter.commands).toEqual(['TransactWriteItemsCommand']);
    expect(outcome).toEqual({ ledger: 'appended', state: 'updated' });
    const sortKeys = await partitionSortKeys(dynamo.client, tableName, customerId);
    expect(sortKeys.filter((key) => key.startsWith('CONSENT_LEDGER#'))).toHaveLength(1);
    expect(sortKeys).toContain('STATE#CONSENT#email#marketing');
    expect(await currentConsent(customerId)).toEqual({
      channel: 'email',
      topic: 'marketing',
      status: 'granted',
      at: '2026-03-01T12:00:00Z',
      source: 'web-form',
    });
  });

  it('keeps the newer state when an older event arrives late, and still records the late one in the ledger', async () => {
    // Prepare
    const customerId = newCustomerId();
    await store.putProfile(aProfile(customerId));
    await store.recordConsent(customerId, consentEvent({ status: 'revoked', at: '2026-03-05T08:30:00Z', proof: { source: 'one-click-unsubscribe' } }));

    // Act
    const outcome = await store.recordConsent(customerId, consentEvent({ status: 'granted', at: '2026-03-01T12:00:00Z' }));

    // Assess
    expect(outcome).toEqual({ ledger: 'appended', state: 'unchanged' });
    expect(await currentConsent(customerId)).toMatchObject({ status: 'revoked', at: '2026-03-05T08:30:00Z' });
    const ledger = await store.consentLedger(customerId);
    expect(ledger.map((entry) => [entry.at, entry.status])).toEqual([
      ['2026-03-01T12:00:00Z', 'granted'],
      ['2026-03-05T08:30:00Z', 'revoked'],
    ]);
  });

  it('compares event times across offsets, not as text', async () => {
    // Prepare: 10:00+05:30 is 04:30Z, earlier than 05:00Z although its text sorts later.
    const customerId = newCustomerId();
    await store.putProfile(aProfile(customerId));
    await store.recordConsent(customerId, consentEvent({ status: 'granted', at: '2026-03-01T05:00:00Z' }));

    // Act
    await store.recordConsent(customerId, consentEvent({ status: 'revoked', at: '2026-03-01T10:00:00+05:30' }));

    // Assess
    expect(await currentConsent(customerId)).toMatchObject({ status: 'granted', at: '2026-03-01T05:00:00Z' });
  });

  it('appends nothing when the very same event is replayed', async () => {
    // Prepare
    const customerId = newCustomerId();
    await store.putProfile(aProfile(customerId));
    await store.recordConsent(customerId, consentEvent());

    // Act
    const outcome = await store.recordConsent(customerId, consentEvent());

    // Assess
    expect(outcome).toEqual({ ledger: 'duplicate', state: 'unchanged' });
    expect(await store.consentLedger(customerId)).toHaveLength(1);
  });

  it('lets a revocation win over a grant stamped with the same instant, whatever the arrival order', async () => {
    // Prepare
    const first = newCustomerId();
    const second = newCustomerId();
    const grant = consentEvent({ status: 'granted', at: '2026-03-02T09:00:00Z' });
    const revoke = consentEvent({ status: 'revoked', at: '2026-03-02T09:00:00Z', proof: { source: 'preference-centre' } });

    // Act
    for (const [customerId, events] of [
      [first, [grant, revoke]],
      [second, [revoke, grant]],
    ] as const) {
      await store.putProfile(aProfile(customerId));
      for (const event of events) await store.recordConsent(customerId, event);
    }

    // Assess
    expect(await currentConsent(first)).toMatchObject({ status: 'revoked' });
    expect(await currentConsent(second)).toMatchObject({ status: 'revoked' });
  });

  it('keeps consent per channel and topic apart', async () => {
    // Prepare
    const customerId = newCustomerId();
    await store.putProfile(aProfile(customerId));

    // Act
    await store.recordConsent(customerId, consentEvent({ channel: 'email', topic: 'marketing', status: 'granted' }));
    await store.recordConsent(customerId, consentEvent({ channel: 'sms', topic: 'marketing', status: 'revoked' }));
    await store.recordConsent(customerId, consentEvent({ channel: 'email', topic: 'newsletter', status: 'pending' }));

    // Assess
    const { consents } = await store.requireSnapshot(customerId);
    expect(consents.map((consent) => `${consent.channel}/${consent.topic}=${consent.status}`).sort()).toEqual([
      'email/marketing=granted',
      'email/newsletter=pending',
      'sms/marketing=revoked',
    ]);
  });

  it('returns the ledger in time order with the full proof of every event', async () => {
    // Prepare
    const customerId = newCustomerId();
    const proof = {
      source: 'double-opt-in',
      ip: '198.51.100.4',
      userAgent: 'Mail/16.0',
      messageId: 'msg-0001',
      consentTextVersion: 'v4',
    };
    await store.recordConsent(customerId, consentEvent({ status: 'granted', at: '2026-03-03T00:00:00Z', proof }));
    await store.recordConsent(customerId, consentEvent({ status: 'pending', at: '2026-03-02T00:00:00Z' }));

    // Act
    const ledger = await store.consentLedger(customerId);

    // Assess
    expect(ledger).toEqual([
      consentEvent({ status: 'pending', at: '2026-03-02T00:00:00Z' }),
      consentEvent({ status: 'granted', at: '2026-03-03T00:00:00Z', proof }),
    ]);
  });

  it('ends in the state of the latest event for any arrival order of the same events', async () => {
    const statuses: ConsentStatus[] = ['granted', 'revoked', 'pending'];
    const eventArbitrary = fc.record({
      minute: fc.integer({ min: 0, max: 20 }),
      status: fc.constantFrom(...statuses),
      source: fc.constantFrom('web-form', 'store-tablet', 'call-centre'),
    });
    await fc.assert(
      fc.asyncProperty(
        fc
          .uniqueArray(eventArbitrary, { minLength: 1, maxLength: 6, selector: (event) => `${event.minute}` })
          .chain((events) => fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }))),
        async ([events, arrivalOrder]) => {
          // Prepare
          const customerId = newCustomerId('prop');
          await store.putProfile(aProfile(customerId));
          const toEvent = (event: (typeof events)[number]) =>
            consentEvent({
              status: event.status,
              at: new Date(Date.UTC(2026, 2, 1, 12, event.minute)).toISOString(),
              proof: { source: event.source },
            });

          // Act
          for (const event of arrivalOrder) await store.recordConsent(customerId, toEvent(event));

          // Assess
          const latest = [...events].sort((a, b) => b.minute - a.minute)[0];
          if (latest === undefined) throw new Error('the arbitrary yields at least one event');
          const expected = toEvent(latest);
          expect(await currentConsent(customerId)).toEqual({
            channel: 'email',
            topic: 'marketing',
            status: expected.status,
            at: expected.at,
            source: expected.proof.source,
          });
          expect((await store.consentLedger(customerId)).map((entry) => entry.at)).toEqual(
            [...events].sort((a, b) => a.minute - b.minute).map((event) => toEvent(event).at),
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('recordConsent from a status', () => {
  const confirmation = (at: string) => consentEvent({ status: 'granted', at, proof: { source: 'double-opt-in', ip: '198.51.100.4' } });

  it('writes nothing, not even the ledger entry, when the status changed since it was read', async () => {
    // Prepare: pending when the caller read it, revoked before its grant arrives.
    const customerId = newCustomerId();
    await store.putProfile(aProfile(customerId));
    await store.recordConsent(customerId, consentEvent({ status: 'pending', at: '2026-03-01T12:00:00Z' }));
    await store.recordConsent(customerId, consentEvent({ status: 'revoked', at: '2026-03-01T12:05:00Z', proof: { source: 'preference-centre' } }));
    const before = await partitionItems(dynamo.client, tableName, customerId);

    // Act
    const outcome = await store.recordConsent(customerId, confirmation('2026-03-01T12:10:00Z'), { from: 'pending' });

    // Assess
    expect(outcome).toEqual({ ledger: 'not_appended', state: 'changed_since' });
    expect(await currentConsent(customerId)).toMatchObject({ status: 'revoked', at: '2026-03-01T12:05:00Z' });
    expect(await partitionItems(dynamo.client, tableName, customerId)).toEqual(before);
  });

  it('writes nothing when a newer state with the status is on file: a new request, not the one read', async () => {
    // Prepare: the request read, then a new one stated later than the grant (another writer's clock is ahead).
    const customerId = newCustomerId();
    await store.putProfile(aProfile(customerId));
    await store.recordConsent(customerId, consentEvent({ status: 'pending', at: '2026-03-01T12:00:00Z' }));
    await store.recordConsent(customerId, consentEvent({ status: 'pending', at: '2026-03-01T12:20:00Z', proof: { source: 'web-form-2' } }));
    const before = await partitionItems(dynamo.client, tableName, customerId);

    // Act
    const outcome = await store.recordConsent(customerId, confirmation('2026-03-01T12:10:00Z'), { from: 'pending' });

    // Assess
    expect(outcome).toEqual({ ledger: 'not_appended', state: 'changed_since' });
    expect(await partitionItems(dynamo.client, tableName, customerId)).toEqual(before);
  });

  it('writes nothing when no state is stored to change from', async () => {
    // Prepare
    const customerId = newCustomerId();
    await store.putProfile(aProfile(customerId));
    const before = await partitionItems(dynamo.client, tableName, customerId);

    // Act
    const outcome = await store.recordConsent(customerId, confirmation('2026-03-01T12:10:00Z'), { from: 'pending' });

    // Assess
    expect(outcome).toEqual({ ledger: 'not_appended', state: 'changed_since' });
    expect(await partitionItems(dynamo.client, tableName, customerId)).toEqual(before);
  });

  it('changes a state that still has the status, in one TransactWriteItems', async () => {
    // Prepare
    const customerId = newCustomerId();
    await store.putProfile(aProfile(customerId));
    await store.recordConsent(customerId, consentEvent({ status: 'pending', at: '2026-03-01T12:00:00Z' }));
    const counter = countRequests(dynamo.client);

    // Act
    const outcome = await store.recordConsent(customerId, confirmation('2026-03-01T12:10:00Z'), { from: 'pending' });

    // Assess
    counter.detach();
    expect(counter.commands).toEqual(['TransactWriteItemsCommand']);
    expect(outcome).toEqual({ ledger: 'appended', state: 'updated' });
    expect(await currentConsent(customerId)).toEqual({
      channel: 'email',
      topic: 'marketing',
      status: 'granted',
      at: '2026-03-01T12:10:00Z',
      source: 'double-opt-in',
    });
    expect((await store.consentLedger(customerId)).map((entry) => entry.status)).toEqual(['pending', 'granted']);
  });

  it('answers a retry of a change it already applied as a duplicate', async () => {
    // Prepare
    const customerId = newCustomerId();
    await store.putProfile(aProfile(customerId));
    await store.recordConsent(customerId, consentEvent({ status: 'pending', at: '2026-03-01T12:00:00Z' }));
    await store.recordConsent(customerId, confirmation('2026-03-01T12:10:00Z'), { from: 'pending' });
    const before = await partitionItems(dynamo.client, tableName, customerId);

    // Act
    const outcome = await store.recordConsent(customerId, confirmation('2026-03-01T12:10:00Z'), { from: 'pending' });

    // Assess
    expect(outcome).toEqual({ ledger: 'duplicate', state: 'unchanged' });
    expect(await partitionItems(dynamo.client, tableName, customerId)).toEqual(before);
  });
});
