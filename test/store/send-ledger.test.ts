import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { Frequency } from '../../lib/customer/model';
import {
  CustomerStore,
  SEND_LEDGER_RETENTION_DAYS,
  SendEntryNotFoundError,
  SendTransitionError,
  type ReserveSendOutcome,
  type ReserveSendRequest,
} from '../../lib/store';
import { countRequests, createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { aProfile, newCustomerId, partitionSortKeys } from './fixtures';

let dynamo: DynaliteHarness;
let tableName: string;
let store: CustomerStore;

beforeAll(async () => {
  dynamo = await startDynalite();
  tableName = await createCustomerTable(dynamo.client, 'send-ledger');
  store = new CustomerStore({ client: dynamo.client, tableName });
});

afterAll(() => dynamo.stop());

async function customerWithProfile(): Promise<string> {
  const customerId = newCustomerId();
  await store.putProfile(aProfile(customerId));
  return customerId;
}

async function frequencyOf(customerId: string): Promise<Frequency> {
  return (await store.requireSnapshot(customerId)).frequency;
}

function reservation(customerId: string, overrides: Partial<ReserveSendRequest> = {}): ReserveSendRequest {
  const execution = overrides.execution ?? 'welcome-exec-1';
  const step = overrides.step ?? 'welcome-email';
  return {
    customerId,
    idempotencyKey: `${execution}/${step}`,
    journey: 'welcome',
    step,
    execution,
    channel: 'email',
    topic: 'marketing',
    at: '2026-03-02T22:00:00Z',
    expectedFrequency: { sends: [], version: 0 },
    ...overrides,
  };
}

/** What a send function does: read, reserve, and on a cap conflict read again and retry. */
async function reserveWithRetry(request: ReserveSendRequest): Promise<{ outcome: ReserveSendOutcome; attempts: number }> {
  for (let attempts = 1; attempts <= 100; attempts += 1) {
    const expectedFrequency = await frequencyOf(request.customerId);
    const outcome = await store.reserveSend({ ...request, expectedFrequency });
    if (outcome.kind !== 'changed_since') return { outcome, attempts };
  }
  throw new Error(`${request.idempotencyKey}: still conflicting after 100 attempts`);
}

describe('reserveSend', () => {
  it('writes a pending entry and counts a marketing send in the cap in one TransactWriteItems', async () => {
    // Prepare
    const customerId = await customerWithProfile();
    const counter = countRequests(dynamo.client);

    // Act
    const outcome = await store.reserveSend(reservation(customerId));

    // Assess
    counter.detach();
    expect(counter.commands).toEqual(['TransactWriteItemsCommand']);
    expect(outcome).toEqual({
      kind: 'reserved',
      entry: {
        customerId,
        idempotencyKey: 'welcome-exec-1/welcome-email',
        journey: 'welcome',
        step: 'welcome-email',
        execution: 'welcome-exec-1',
        channel: 'email',
        topic: 'marketing',
        status: 'pending',
        reservedAt: '2026-03-02T22:00:00Z',
        countedInCap: true,
      },
    });
    expect(await store.getSendEntry(customerId, 'welcome-exec-1/welcome-email')).toEqual(
      outcome.kind === 'reserved' ? outcome.entry : undefined,
    );
    expect(await frequencyOf(customerId)).toEqual({
      sends: [{ key: 'welcome-exec-1/welcome-email', at: '2026-03-02T22:00:00Z' }],
      version: 1,
    });
  });

  it('leaves the cap alone for a transactional message', async () => {
    // Prepare
    const customerId = await customerWithProfile();

    // Act
    const outcome = await store.reserveSend(reservation(customerId, { topic: 'transactional', step: 'receipt' }));

    // Assess
    expect(outcome).toMatchObject({ kind: 'reserved', entry: { countedInCap: false } });
    expect(await frequencyOf(customerId)).toEqual({ sends: [], version: 0 });
  });

  it('reserves a transactional message in one transaction that checks the frequency version, and still refuses its key a second time', async () => {
    // Prepare
    const customerId = await customerWithProfile();
    const receipt = reservation(customerId, { topic: 'transactional', step: 'receipt' });
    const counter = countRequests(dynamo.client);

    // Act
    const first = await store.reserveSend(receipt);
    const second = await store.reserveSend({ ...receipt, at: '2026-03-02T22:05:00Z' });

    // Assess
    counter.detach();
    expect(counter.commands.slice(0, 2)).toEqual(['TransactWriteItemsCommand', 'TransactWriteItemsCommand']);
    expect(counter.requests[0]?.input).toMatchObject({
      TransactItems: [{ Put: { ConditionExpression: 'attribute_not_exists(#pk)' } }, { ConditionCheck: { Key: { sk: { S: 'STATE#FREQUENCY' } } } }],
    });
    expect(first).toMatchObject({ kind: 'reserved' });
    expect(second).toMatchObject({ kind: 'duplicate', entry: { status: 'pending', reservedAt: '2026-03-02T22:00:00Z', topic: 'transactional' } });
  });

  it('returns the existing entry for a second reservation of the same key, sent or not', async () => {
    // Prepare
    const customerId = await customerWithProfile();
    await store.reserveSend(reservation(customerId));
    await store.markSent(customerId, 'welcome-exec-1/welcome-email', { providerMessageId: 'ses-0001', at: '2026-03-02T22:00:01Z' });
    const frequencyBefore = await frequencyOf(customerId);

    // Act
    const outcome = await store.reserveSend(reservation(customerId, { at: '2026-03-02T22:05:00Z', expectedFrequency: frequencyBefore }));

    // Assess
    expect(outcome).toMatchObject({
      kind: 'duplicate',
      entry: { status: 'sent', providerMessageId: 'ses-0001', sentAt: '2026-03-02T22:00:01Z', reservedAt: '2026-03-02T22:00:00Z' },
    });
    expect(await frequencyOf(customerId)).toEqual(frequencyBefore);
  });

  it('reports a frequency conflict and writes nothing when the cap changed since the snapshot', async () => {
    // Prepare
    const customerId = await customerWithProfile();
    const staleFrequency = await frequencyOf(customerId);
    await store.reserveSend(reservation(customerId, { execution: 'other-journey-exec', expectedFrequency: staleFrequency }));
    const sortKeysBefore = await partitionSortKeys(dynamo.client, tableName, customerId);

    // Act
    const outcome = await store.reserveSend(reservation(customerId, { expectedFrequency: staleFrequency }));

    // Assess
    expect(outcome).toEqual({ kind: 'changed_since' });
    expect(await partitionSortKeys(dynamo.client, tableName, customerId)).toEqual(sortKeysBefore);
    expect(await store.getSendEntry(customerId, 'welcome-exec-1/welcome-email')).toBeUndefined();
  });

  it('prunes sends older than 7 days from the cap item', async () => {
    // Prepare
    const customerId = await customerWithProfile();
    await store.reserveSend(reservation(customerId, { execution: 'e1', at: '2026-03-01T10:00:00Z' }));
    await store.reserveSend(reservation(customerId, { execution: 'e2', at: '2026-03-05T10:00:00Z', expectedFrequency: await frequencyOf(customerId) }));

    // Act
    await store.reserveSend(reservation(customerId, { execution: 'e3', at: '2026-03-09T10:00:00Z', expectedFrequency: await frequencyOf(customerId) }));

    // Assess
    expect(await frequencyOf(customerId)).toEqual({
      sends: [
        { key: 'e2/welcome-email', at: '2026-03-05T10:00:00Z' },
        { key: 'e3/welcome-email', at: '2026-03-09T10:00:00Z' },
      ],
      version: 3,
    });
  });

  it('loses no send when 20 journeys reserve for the same customer at the same moment', async () => {
    // Prepare
    const customerId = await customerWithProfile();
    const requests = Array.from({ length: 20 }, (_, index) =>
      reservation(customerId, { execution: `journey-${index}-exec`, journey: `journey-${index}`, at: `2026-03-02T22:00:${String(index).padStart(2, '0')}Z` }),
    );

    // Act
    const results = await Promise.all(requests.map((request) => reserveWithRetry(request)));

    // Assess
    expect(results.every(({ outcome }) => outcome.kind === 'reserved')).toBe(true);
    expect(results.some(({ attempts }) => attempts > 1)).toBe(true);
    const frequency = await frequencyOf(customerId);
    expect(frequency.sends.map((send) => send.key).sort()).toEqual(requests.map((request) => request.idempotencyKey).sort());
    expect(frequency.version).toBe(20);
  });

  it('keeps send-ledger entries for the documented retention', async () => {
    // Prepare
    const customerId = await customerWithProfile();

    // Act
    await store.reserveSend(reservation(customerId));

    // Assess
    const { Item } = await dynamo.client.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { pk: { S: `CUSTOMER#${customerId}` }, sk: { S: `SEND#${encodeURIComponent('welcome-exec-1/welcome-email')}` } },
      }),
    );
    const expected = Date.parse('2026-03-02T22:00:00Z') / 1000 + SEND_LEDGER_RETENTION_DAYS * 86_400;
    expect(Number(Item?.expiresAt?.N)).toBe(expected);
  });
});

describe('send-ledger outcomes', () => {
  const key = 'welcome-exec-1/welcome-email';

  it('marks a pending entry sent with the provider message id, once', async () => {
    // Prepare
    const customerId = await customerWithProfile();
    await store.reserveSend(reservation(customerId));

    // Act
    const first = await store.markSent(customerId, key, { providerMessageId: 'ses-0001', at: '2026-03-02T22:00:01Z' });
    const again = await store.markSent(customerId, key, { providerMessageId: 'ses-0001', at: '2026-03-02T22:00:02Z' });

    // Assess
    expect(first).toMatchObject({ status: 'sent', providerMessageId: 'ses-0001', sentAt: '2026-03-02T22:00:01Z' });
    expect(again).toEqual(first);
  });

  it('marks an ambiguous provider failure unknown, keeps its cap slot, and lets no retry reserve it again', async () => {
    // Prepare
    const customerId = await customerWithProfile();
    await store.reserveSend(reservation(customerId));

    // Act
    const unknown = await store.markUnknown(customerId, key, { error: 'TimeoutError', at: '2026-03-02T22:00:30Z' });
    const retry = await store.reserveSend(reservation(customerId, { expectedFrequency: await frequencyOf(customerId) }));

    // Assess
    expect(unknown).toMatchObject({ status: 'unknown', error: 'TimeoutError', settledAt: '2026-03-02T22:00:30Z' });
    expect(retry).toMatchObject({ kind: 'duplicate', entry: { status: 'unknown' } });
    expect((await frequencyOf(customerId)).sends.map((send) => send.key)).toEqual([key]);
  });

  it('marks an unknown entry sent when the provider later confirms it', async () => {
    // Prepare
    const customerId = await customerWithProfile();
    await store.reserveSend(reservation(customerId));
    await store.markUnknown(customerId, key, { error: 'TimeoutError', at: '2026-03-02T22:00:30Z' });

    // Act
    const sent = await store.markSent(customerId, key, { providerMessageId: 'ses-0002', at: '2026-03-02T22:10:00Z' });

    // Assess
    expect(sent).toMatchObject({ status: 'sent', providerMessageId: 'ses-0002' });
  });

  it('marks a definite rejection failed and releases its cap slot in the same transaction', async () => {
    // Prepare
    const customerId = await customerWithProfile();
    await store.reserveSend(reservation(customerId, { execution: 'kept-exec' }));
    await store.reserveSend(reservation(customerId, { expectedFrequency: await frequencyOf(customerId) }));
    const counter = countRequests(dynamo.client);

    // Act
    const failed = await store.markFailed(customerId, key, { error: 'MessageRejected', at: '2026-03-02T22:00:01Z' });

    // Assess
    counter.detach();
    expect(counter.count('TransactWriteItemsCommand')).toBe(1);
    expect(failed).toMatchObject({ status: 'failed', error: 'MessageRejected' });
    expect(await frequencyOf(customerId)).toEqual({
      sends: [{ key: 'kept-exec/welcome-email', at: '2026-03-02T22:00:00Z' }],
      version: 3,
    });
    expect(await store.reserveSend(reservation(customerId, { expectedFrequency: await frequencyOf(customerId) }))).toMatchObject({
      kind: 'duplicate',
      entry: { status: 'failed' },
    });
  });

  it('releases a throttled reservation and its cap slot so the retry can reserve again', async () => {
    // Prepare
    const customerId = await customerWithProfile();
    await store.reserveSend(reservation(customerId, { execution: 'kept-exec' }));
    await store.reserveSend(reservation(customerId, { expectedFrequency: await frequencyOf(customerId) }));

    // Act
    const released = await store.releaseReservation(customerId, key);

    // Assess
    expect(released).toBe(true);
    expect(await store.getSendEntry(customerId, key)).toBeUndefined();
    expect((await frequencyOf(customerId)).sends).toEqual([{ key: 'kept-exec/welcome-email', at: '2026-03-02T22:00:00Z' }]);
    expect(await store.reserveSend(reservation(customerId, { expectedFrequency: await frequencyOf(customerId) }))).toMatchObject({
      kind: 'reserved',
    });
  });

  it('never releases an entry that was sent', async () => {
    // Prepare
    const customerId = await customerWithProfile();
    await store.reserveSend(reservation(customerId));
    await store.markSent(customerId, key, { providerMessageId: 'ses-0003', at: '2026-03-02T22:00:01Z' });

    // Act
    const released = await store.releaseReservation(customerId, key);

    // Assess
    expect(released).toBe(false);
    expect(await store.getSendEntry(customerId, key)).toMatchObject({ status: 'sent' });
    expect((await frequencyOf(customerId)).sends.map((send) => send.key)).toEqual([key]);
  });

  it('refuses to mark a sent entry failed', async () => {
    // Prepare
    const customerId = await customerWithProfile();
    await store.reserveSend(reservation(customerId));
    await store.markSent(customerId, key, { providerMessageId: 'ses-0001', at: '2026-03-02T22:00:01Z' });

    // Act
    const marking = store.markFailed(customerId, key, { error: 'MessageRejected', at: '2026-03-02T22:00:02Z' });

    // Assess
    await expect(marking).rejects.toBeInstanceOf(SendTransitionError);
    await expect(marking).rejects.toThrow('cannot go from sent to failed');
    expect(await store.getSendEntry(customerId, key)).toMatchObject({ status: 'sent' });
  });

  it('refuses to mark an entry that was never reserved', async () => {
    // Prepare
    const customerId = await customerWithProfile();

    // Act
    const marking = store.markUnknown(customerId, 'never/reserved', { error: 'TimeoutError', at: '2026-03-02T22:00:02Z' });

    // Assess
    await expect(marking).rejects.toBeInstanceOf(SendEntryNotFoundError);
    expect(await store.getSendEntry(customerId, 'never/reserved')).toBeUndefined();
  });
});

describe('decisions', () => {
  it('returns the recorded decisions in time order, each once', async () => {
    // Prepare
    const customerId = await customerWithProfile();
    const deferred = {
      execution: 'welcome-exec-1',
      journey: 'welcome',
      step: 'welcome-email',
      at: '2026-03-02T10:00:00Z',
      outcome: 'deferred' as const,
      reason: 'preferred_window',
      until: '2026-03-02T22:00:00Z',
    };
    const sent = { ...deferred, at: '2026-03-02T22:00:00Z', outcome: 'sent' as const, reason: undefined, until: undefined, channel: 'email' as const };
    const skipped = { ...deferred, step: 'tips-email', at: '2026-03-09T22:00:00Z', outcome: 'skipped' as const, until: undefined, reason: 'no_consent' };

    // Act
    const results = [
      await store.recordDecision(customerId, skipped),
      await store.recordDecision(customerId, sent),
      await store.recordDecision(customerId, deferred),
      await store.recordDecision(customerId, deferred),
    ];

    // Assess
    expect(results).toEqual(['recorded', 'recorded', 'recorded', 'duplicate']);
    expect((await store.decisions(customerId)).map((decision) => [decision.at, decision.step, decision.outcome, decision.reason])).toEqual([
      ['2026-03-02T10:00:00Z', 'welcome-email', 'deferred', 'preferred_window'],
      ['2026-03-02T22:00:00Z', 'welcome-email', 'sent', undefined],
      ['2026-03-09T22:00:00Z', 'tips-email', 'skipped', 'no_consent'],
    ]);
  });
});

describe('suppressions', () => {
  it('keeps the earliest suppression of a channel', async () => {
    // Prepare
    const customerId = await customerWithProfile();
    await store.addSuppression(customerId, { channel: 'email', reason: 'complaint', at: '2026-03-06T00:00:00Z' });

    // Act
    const earlier = await store.addSuppression(customerId, { channel: 'email', reason: 'hard_bounce', at: '2026-03-04T00:00:00Z' });
    const later = await store.addSuppression(customerId, { channel: 'email', reason: 'complaint', at: '2026-03-08T00:00:00Z' });

    // Assess
    expect([earlier, later]).toEqual(['added', 'kept_earlier']);
    expect((await store.requireSnapshot(customerId)).suppressions).toEqual([
      { channel: 'email', reason: 'hard_bounce', at: '2026-03-04T00:00:00Z' },
    ]);
  });
});
