import fc from 'fast-check';
import type { AttributeState } from '../../lib/customer/model';
import { CustomerStore, InvalidRecordError, LAPSE_AT, LAPSE_KEY, MAX_ATTRIBUTE_CHANGES, changedWithin } from '../../lib/store';
import { lapseShard } from '../../lib/store/item-keys';
import { countRequests, createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { aProfile, newCustomerId, partitionItems } from './fixtures';

let dynamo: DynaliteHarness;
let tableName: string;
let store: CustomerStore;

beforeAll(async () => {
  dynamo = await startDynalite();
  tableName = await createCustomerTable(dynamo.client, 'attributes');
  store = new CustomerStore({ client: dynamo.client, tableName });
});

afterAll(() => dynamo.stop());

async function customerWithProfile(): Promise<string> {
  const customerId = newCustomerId();
  await store.putProfile(aProfile(customerId));
  return customerId;
}

async function attributes(customerId: string): Promise<Record<string, AttributeState>> {
  return (await store.requireSnapshot(customerId)).attributes;
}

describe('setAttributes', () => {
  it('keeps the previous value, when it changed and from which touchpoint, with a history entry per change', async () => {
    // Prepare
    const customerId = await customerWithProfile();
    await store.setAttributes(customerId, { interests: ['running'] }, { at: '2026-03-01T00:00:00Z', touchpoint: 'web' });

    // Act
    const outcome = await store.setAttributes(
      customerId,
      { interests: ['running', 'cycling'] },
      { at: '2026-03-09T15:00:00Z', touchpoint: 'store' },
    );

    // Assess
    expect(outcome).toEqual({ changed: ['interests'], late: [], unchanged: [] });
    expect((await attributes(customerId)).interests).toEqual({
      value: ['running', 'cycling'],
      previous: ['running'],
      changedAt: '2026-03-09T15:00:00Z',
      touchpoint: 'store',
    });
    expect(await store.attributeHistory(customerId, 'interests')).toEqual([
      { name: 'interests', value: ['running'], at: '2026-03-01T00:00:00Z', touchpoint: 'web', applied: true },
      {
        name: 'interests',
        value: ['running', 'cycling'],
        previous: ['running'],
        at: '2026-03-09T15:00:00Z',
        touchpoint: 'store',
        applied: true,
      },
    ]);
  });

  it('writes nothing for a value equal to the current one, seen at the same instant or earlier', async () => {
    // Prepare
    const customerId = await customerWithProfile();
    await store.setAttributes(customerId, { tier: 'gold', orders: 2 }, { at: '2026-03-08T00:00:00Z', touchpoint: 'import' });
    const before = await partitionItems(dynamo.client, tableName, customerId);
    const counter = countRequests(dynamo.client);

    // Act
    const replayed = await store.setAttributes(customerId, { tier: 'gold', orders: 2 }, { at: '2026-03-08T00:00:00.000Z', touchpoint: 'import' });
    const earlier = await store.setAttributes(customerId, { tier: 'gold' }, { at: '2026-03-01T00:00:00Z', touchpoint: 'web' });

    // Assess
    counter.detach();
    expect(replayed).toEqual({ changed: [], late: [], unchanged: ['tier', 'orders'] });
    expect(earlier).toEqual({ changed: [], late: [], unchanged: ['tier'] });
    expect(counter.count('TransactWriteItemsCommand')).toBe(0);
    expect(await partitionItems(dynamo.client, tableName, customerId)).toEqual(before);
  });

  it('keeps a value seen again later as it was, with no history entry, and makes an older change arriving after that late', async () => {
    // Prepare
    const customerId = await customerWithProfile();
    await store.setAttributes(customerId, { tier: 'gold' }, { at: '2026-03-01T00:00:00Z', touchpoint: 'import' });

    // Act
    const seenAgain = await store.setAttributes(customerId, { tier: 'gold' }, { at: '2026-03-08T00:00:00Z', touchpoint: 'web' });
    const older = await store.setAttributes(customerId, { tier: 'silver' }, { at: '2026-03-05T00:00:00Z', touchpoint: 'store' });

    // Assess
    expect(seenAgain).toEqual({ changed: [], late: [], unchanged: ['tier'] });
    expect(older).toEqual({ changed: [], late: ['tier'], unchanged: [] });
    expect((await attributes(customerId)).tier).toEqual({ value: 'gold', changedAt: '2026-03-01T00:00:00Z', touchpoint: 'import' });
    expect((await store.attributeHistory(customerId, 'tier')).map((entry) => [entry.at, entry.value, entry.applied])).toEqual([
      ['2026-03-01T00:00:00Z', 'gold', true],
      ['2026-03-05T00:00:00Z', 'silver', false],
    ]);
  });

  it('reads the profile and the attributes\' versions with one Query, and given them writes without reading again', async () => {
    // Prepare
    const customerId = await customerWithProfile();
    await store.setAttributes(customerId, { tier: 'silver' }, { at: '2026-03-01T00:00:00Z', touchpoint: 'import' });
    const counter = countRequests(dynamo.client);

    // Act
    const state = await store.readEventState(customerId);
    const outcome = await store.setAttributes(customerId, { tier: 'gold' }, { at: '2026-03-08T00:00:00Z', touchpoint: 'web' }, { current: state.attributes });

    // Assess
    counter.detach();
    expect(counter.commands).toEqual(['QueryCommand', 'TransactWriteItemsCommand']);
    expect(state.profile).toEqual((await store.requireSnapshot(customerId)).profile);
    expect(state.attributes.get('tier')?.state.value).toBe('silver');
    expect(outcome).toEqual({ changed: ['tier'], late: [], unchanged: [] });
    expect((await attributes(customerId)).tier).toEqual({ value: 'gold', previous: 'silver', changedAt: '2026-03-08T00:00:00Z', touchpoint: 'web' });
  });

  it('applies a change over versions that went stale after they were read, reading them again', async () => {
    // Prepare: versions read, then the attribute changed by another writer
    const customerId = await customerWithProfile();
    await store.setAttributes(customerId, { tier: 'silver' }, { at: '2026-03-01T00:00:00Z', touchpoint: 'import' });
    const stale = (await store.readEventState(customerId)).attributes;
    await store.setAttributes(customerId, { tier: 'bronze' }, { at: '2026-03-05T00:00:00Z', touchpoint: 'store' });

    // Act
    const outcome = await store.setAttributes(customerId, { tier: 'gold' }, { at: '2026-03-08T00:00:00Z', touchpoint: 'web' }, { current: stale });

    // Assess
    expect(outcome).toEqual({ changed: ['tier'], late: [], unchanged: [] });
    expect((await attributes(customerId)).tier).toEqual({ value: 'gold', previous: 'bronze', changedAt: '2026-03-08T00:00:00Z', touchpoint: 'web' });
    expect((await store.attributeHistory(customerId, 'tier')).map((entry) => [entry.value, entry.previous])).toEqual([
      ['silver', undefined],
      ['bronze', 'silver'],
      ['gold', 'bronze'],
    ]);
  });

  it('reads no profile and no attributes for an unknown customer', async () => {
    // Act
    const state = await store.readEventState(newCustomerId());

    // Assess
    expect(state.profile).toBeUndefined();
    expect(state.attributes.size).toBe(0);
  });

  it('records a late change in the history without overriding the newer current value', async () => {
    // Prepare
    const customerId = await customerWithProfile();
    await store.setAttributes(customerId, { tier: 'gold' }, { at: '2026-03-07T00:00:00Z', touchpoint: 'store' });

    // Act
    const outcome = await store.setAttributes(customerId, { tier: 'silver' }, { at: '2026-03-03T00:00:00Z', touchpoint: 'phone' });

    // Assess
    expect(outcome).toEqual({ changed: [], late: ['tier'], unchanged: [] });
    expect((await attributes(customerId)).tier).toEqual({ value: 'gold', changedAt: '2026-03-07T00:00:00Z', touchpoint: 'store' });
    expect((await store.attributeHistory(customerId, 'tier')).map((entry) => [entry.at, entry.value, entry.applied])).toEqual([
      ['2026-03-03T00:00:00Z', 'silver', false],
      ['2026-03-07T00:00:00Z', 'gold', true],
    ]);
  });

  it('changes one attribute and records another as late in the same call', async () => {
    // Prepare
    const customerId = await customerWithProfile();
    await store.setAttributes(customerId, { tier: 'gold' }, { at: '2026-03-07T00:00:00Z' });
    await store.setAttributes(customerId, { city: 'Boston' }, { at: '2026-03-01T00:00:00Z' });

    // Act
    const outcome = await store.setAttributes(customerId, { tier: 'silver', city: 'Salem' }, { at: '2026-03-05T00:00:00Z' });

    // Assess
    expect(outcome).toEqual({ changed: ['city'], late: ['tier'], unchanged: [] });
    const current = await attributes(customerId);
    expect(current.tier?.value).toBe('gold');
    expect(current.city).toEqual({ value: 'Salem', previous: 'Boston', changedAt: '2026-03-05T00:00:00Z' });
  });

  it('records a replayed late change once', async () => {
    // Prepare
    const customerId = await customerWithProfile();
    await store.setAttributes(customerId, { tier: 'gold' }, { at: '2026-03-07T00:00:00Z' });
    await store.setAttributes(customerId, { tier: 'silver' }, { at: '2026-03-03T00:00:00Z' });

    // Act
    const outcome = await store.setAttributes(customerId, { tier: 'silver' }, { at: '2026-03-03T00:00:00Z' });

    // Assess
    expect(outcome).toEqual({ changed: [], late: ['tier'], unchanged: [] });
    expect(await store.attributeHistory(customerId, 'tier')).toHaveLength(2);
  });

  it('keeps histories of names that share a prefix or contain "#" apart', async () => {
    // Prepare
    const customerId = await customerWithProfile();

    // Act
    await store.setAttributes(customerId, { a: 1, 'a#b': 2, ab: 3 }, { at: '2026-03-01T00:00:00Z' });

    // Assess
    expect((await store.attributeHistory(customerId, 'a')).map((entry) => entry.value)).toEqual([1]);
    expect((await store.attributeHistory(customerId, 'a#b')).map((entry) => entry.value)).toEqual([2]);
    expect(Object.keys(await attributes(customerId)).sort()).toEqual(['a', 'a#b', 'ab']);
  });

  it('ends with the latest value and a full history when writers change one attribute at the same moment', async () => {
    // Prepare
    const customerId = await customerWithProfile();
    const minutes = [7, 2, 9, 0, 5, 3, 8, 1, 6, 4];

    // Act
    await Promise.all(
      minutes.map((minute) =>
        store.setAttributes(customerId, { tier: `tier-${minute}` }, { at: `2026-03-01T00:0${minute}:00Z`, touchpoint: 'app' }),
      ),
    );

    // Assess
    expect((await attributes(customerId)).tier).toMatchObject({ value: 'tier-9', changedAt: '2026-03-01T00:09:00Z' });
    const history = await store.attributeHistory(customerId, 'tier');
    expect(history.map((entry) => entry.value)).toEqual([...minutes].sort().map((minute) => `tier-${minute}`));
  });

  // Observations of one attribute on distinct days, in the order they arrive; values repeat often.
  const observations = fc.uniqueArray(fc.record({ day: fc.integer({ min: 1, max: 28 }), value: fc.constantFrom('gold', 'silver') }), {
    selector: (observation) => observation.day,
    minLength: 1,
    maxLength: 5,
  });
  const observedAt = (day: number): string => `2026-03-${String(day).padStart(2, '0')}T12:00:00Z`;
  const latestValue = (seen: ReadonlyArray<{ day: number; value: string }>): string | undefined =>
    [...seen].sort((a, b) => b.day - a.day)[0]?.value;

  it('ends with the value observed last in time, whatever order the observations arrive in (an equal value included)', async () => {
    await fc.assert(
      fc.asyncProperty(observations, async (seen) => {
        // Prepare
        const customerId = await customerWithProfile();

        // Act
        for (const { day, value } of seen) await store.setAttributes(customerId, { tier: value }, { at: observedAt(day), touchpoint: 'app' });

        // Assess
        expect((await attributes(customerId)).tier?.value).toBe(latestValue(seen));
      }),
      { numRuns: 60 },
    );
  });

  it('ends with the value observed last in time when the observations are written at the same moment', async () => {
    await fc.assert(
      fc.asyncProperty(observations, async (seen) => {
        // Prepare
        const customerId = await customerWithProfile();

        // Act
        await Promise.all(seen.map(({ day, value }) => store.setAttributes(customerId, { tier: value }, { at: observedAt(day), touchpoint: 'app' })));

        // Assess
        expect((await attributes(customerId)).tier?.value).toBe(latestValue(seen));
      }),
      { numRuns: 40 },
    );
  });

  it('lists an event\'s last occurrence in the lapse index at its UTC instant, follows a newer one, and ignores a late one and other attributes', async () => {
    // Prepare
    const customerId = await customerWithProfile();
    const lapseKeys = async () =>
      Object.fromEntries(
        (await partitionItems(dynamo.client, tableName, customerId))
          .filter((item) => item.sk?.S?.startsWith('STATE#ATTRIBUTE#'))
          .map((item) => [item.name?.S, [item[LAPSE_KEY]?.S, item[LAPSE_AT]?.S]]),
      );
    const shard = lapseShard(customerId);

    // Act
    await store.setAttributes(customerId, { 'lastEvent.order_placed': '2026-03-01T18:30:00-05:00', tier: 'gold' }, { at: '2026-03-01T18:30:00-05:00' });
    const first = await lapseKeys();
    await store.setAttributes(customerId, { 'lastEvent.order_placed': '2026-03-09T08:00:00Z' }, { at: '2026-03-09T08:00:00Z' });
    await store.setAttributes(customerId, { 'lastEvent.order_placed': '2026-03-05T08:00:00Z' }, { at: '2026-03-05T08:00:00Z' });
    const later = await lapseKeys();

    // Assess
    const key = `lastEvent.order_placed#${shard}`;
    expect(first).toEqual({ 'lastEvent.order_placed': [key, '2026-03-01T23:30:00.000Z'], tier: [undefined, undefined] });
    expect(later).toEqual({ 'lastEvent.order_placed': [key, '2026-03-09T08:00:00.000Z'], tier: [undefined, undefined] });
  });

  it(`refuses more than ${MAX_ATTRIBUTE_CHANGES} changes in one call`, async () => {
    // Prepare
    const customerId = await customerWithProfile();
    const changes = Object.fromEntries(Array.from({ length: MAX_ATTRIBUTE_CHANGES + 1 }, (_, index) => [`n${index}`, index]));

    // Act
    const writing = store.setAttributes(customerId, changes, { at: '2026-03-01T00:00:00Z' });

    // Assess
    await expect(writing).rejects.toBeInstanceOf(InvalidRecordError);
    expect(await store.attributeHistory(customerId, 'n0')).toEqual([]);
  });
});

describe('changedWithin', () => {
  const now = new Date('2026-04-01T00:00:00Z');
  const changedAt = (instant: string): AttributeState => ({ value: ['running'], changedAt: instant });

  it('says an attribute changed 29 days ago changed within the last 30 days', () => {
    expect(changedWithin(changedAt('2026-03-03T00:00:00Z'), 30, now)).toBe(true);
  });

  it('says an attribute changed 31 days ago did not change within the last 30 days', () => {
    expect(changedWithin(changedAt('2026-03-01T23:59:59Z'), 30, now)).toBe(false);
  });

  it('treats exactly 30 days ago as outside the window', () => {
    expect(changedWithin(changedAt('2026-03-02T00:00:00Z'), 30, now)).toBe(false);
  });

  it('says an absent attribute never changed', () => {
    expect(changedWithin(undefined, 30, now)).toBe(false);
  });

  it('does not count a change stamped after now', () => {
    expect(changedWithin(changedAt('2026-04-02T00:00:00Z'), 30, now)).toBe(false);
  });
});
