import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import type { Profile } from '../../lib/customer/model';
import { CustomerStore, InvalidRecordError } from '../../lib/store';
import { countRequests, createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { aProfile, newCustomerId, partitionItems } from './fixtures';

let dynamo: DynaliteHarness;
let tableName: string;
let store: CustomerStore;

beforeAll(async () => {
  dynamo = await startDynalite();
  tableName = await createCustomerTable(dynamo.client, 'profile');
  store = new CustomerStore({ client: dynamo.client, tableName });
});

afterAll(() => dynamo.stop());

describe('createProfile', () => {
  it('creates a profile once and leaves an existing one as it is', async () => {
    // Prepare
    const customerId = newCustomerId();

    // Act
    const first = await store.createProfile(aProfile(customerId, { stage: 'active' }));
    const second = await store.createProfile(aProfile(customerId, { stage: 'prospect', timezone: 'Europe/Paris' }));

    // Assess
    expect([first, second]).toEqual([true, false]);
    expect((await store.requireSnapshot(customerId)).profile).toMatchObject({ stage: 'active', timezone: 'America/New_York' });
  });
});

describe('updateProfile', () => {
  it('sets only the named fields and the time, and hands back the profile before and after', async () => {
    // Prepare
    const customerId = newCustomerId();
    await store.putProfile(aProfile(customerId, { stage: 'active', updatedAt: '2026-03-01T12:00:00Z' }));

    // Act
    const outcome = await store.updateProfile(customerId, { timezone: 'Europe/Paris' }, '2026-03-04T08:00:00Z');

    // Assess
    const expected = aProfile(customerId, { stage: 'active', timezone: 'Europe/Paris', updatedAt: '2026-03-04T08:00:00Z' });
    expect(outcome).toEqual({ kind: 'updated', before: aProfile(customerId, { stage: 'active' }), after: expected });
    expect((await store.requireSnapshot(customerId)).profile).toEqual(expected);
  });

  it('plans on the caller\'s read: writes nothing for fields stated later, and writes over a read the profile moved on from', async () => {
    // Prepare
    const customerId = newCustomerId();
    await store.putProfile(aProfile(customerId, { updatedAt: '2026-03-04T09:00:00Z' }));
    const read = (await store.readEventState(customerId)).profileRead;
    await store.updateProfile(customerId, { phone: '+12125550177' }, '2026-03-05T09:00:00Z');
    const counter = countRequests(dynamo.client);

    // Act
    let older;
    let newer;
    let commands: string[];
    try {
      older = await store.updateProfile(customerId, { email: 'old@example.org' }, '2026-03-04T08:00:00Z', { read });
      newer = await store.updateProfile(customerId, { email: 'new@example.org' }, '2026-03-06T09:00:00Z', { read });
      commands = [...counter.commands];
    } finally {
      counter.detach();
    }

    // Assess: the older one on the read alone; the newer one's transaction, conditioned on the
    // read, fails on the phone written since, and the write planned on a new read lands.
    expect(older).toEqual({ kind: 'stale' });
    expect(newer).toMatchObject({ kind: 'updated', before: { phone: '+12125550177' }, after: { email: 'new@example.org', phone: '+12125550177' } });
    expect(commands).toEqual(['TransactWriteItemsCommand', 'GetItemCommand', 'TransactWriteItemsCommand']);
    expect((await store.requireSnapshot(customerId)).profile).toMatchObject({ email: 'new@example.org', phone: '+12125550177', updatedAt: '2026-03-06T09:00:00Z' });
  });

  it('writes nothing over a profile updated later, however the instants are spelt', async () => {
    // Prepare
    const customerId = newCustomerId();
    // 09:00 UTC, spelt so that its text sorts before the older update's.
    await store.putProfile(aProfile(customerId, { updatedAt: '2026-03-04T07:00:00-02:00' }));
    const before = await partitionItems(dynamo.client, tableName, customerId);

    // Act
    const outcome = await store.updateProfile(customerId, { email: 'ana@example.org' }, '2026-03-04T08:00:00Z');

    // Assess
    expect(outcome).toEqual({ kind: 'stale' });
    expect(await partitionItems(dynamo.client, tableName, customerId)).toEqual(before);
  });

  it('applies an update at the same instant as the stored profile (a repeated event)', async () => {
    // Prepare
    const customerId = newCustomerId();
    await store.putProfile(aProfile(customerId, { updatedAt: '2026-03-04T08:00:00Z' }));

    // Act
    const outcome = await store.updateProfile(customerId, { email: 'ana@example.org' }, '2026-03-04T09:00:00+01:00');

    // Assess
    expect(outcome.kind).toBe('updated');
    expect((await store.requireSnapshot(customerId)).profile.email).toBe('ana@example.org');
  });

  it('writes the fields of a late update that no later update set, keeps the ones one did, and leaves updatedAt at the latest', async () => {
    // Prepare
    const customerId = newCustomerId();
    const { phone: _none, ...withoutPhone } = aProfile(customerId, { updatedAt: '2026-03-02T12:00:00Z' });
    await store.putProfile(withoutPhone);
    await store.updateProfile(customerId, { email: 'new@example.org' }, '2026-03-09T12:00:00Z');

    // Act
    const late = await store.updateProfile(customerId, { phone: '+12125550188', email: 'old@example.org' }, '2026-03-05T12:00:00Z');
    const earlierStill = await store.updateProfile(customerId, { phone: '+12125550199' }, '2026-03-04T12:00:00Z');
    const laterPhone = await store.updateProfile(customerId, { phone: '+12125550177' }, '2026-03-06T12:00:00+01:00');

    // Assess
    const kept = { ...withoutPhone, email: 'new@example.org', updatedAt: '2026-03-09T12:00:00Z' };
    expect(late).toEqual({ kind: 'updated', before: kept, after: { ...kept, phone: '+12125550188' } });
    expect(earlierStill).toEqual({ kind: 'stale' });
    expect(laterPhone.kind).toBe('updated');
    expect((await store.requireSnapshot(customerId)).profile).toEqual({ ...kept, phone: '+12125550177' });
  });

  it('judges a field stored before fields had their own time by the profile\'s time', async () => {
    // Prepare: an item as written before per-field times, with an email but no phone.
    const customerId = newCustomerId();
    const { phone: _none, ...withoutPhone } = aProfile(customerId, { updatedAt: '2026-03-09T12:00:00Z' });
    await dynamo.client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { ...marshall({ pk: `CUSTOMER#${customerId}`, sk: 'STATE#PROFILE', kind: 'profile', ...withoutPhone }, { removeUndefinedValues: true }), updatedAtKey: { S: '2026-03-09T12:00:00.000Z' } },
      }),
    );

    // Act
    const outcome = await store.updateProfile(customerId, { email: 'old@example.org', phone: '+12125550188' }, '2026-03-05T12:00:00Z');

    // Assess
    expect(outcome.kind).toBe('updated');
    expect((await store.requireSnapshot(customerId)).profile).toMatchObject({ email: withoutPhone.email, phone: '+12125550188', updatedAt: withoutPhone.updatedAt });
  });

  // Updates on distinct days, each naming some of the profile's fields, in the order they arrive.
  const updates = fc.uniqueArray(
    fc.record(
      {
        day: fc.integer({ min: 2, max: 28 }),
        email: fc.constantFrom('a@example.org', 'b@example.org'),
        phone: fc.constantFrom('+12125550188', '+447700900123'),
        timezone: fc.constantFrom('Europe/Paris', 'Asia/Tokyo'),
      },
      { requiredKeys: ['day'] },
    ),
    { selector: (update) => update.day, minLength: 1, maxLength: 5 },
  );
  type Update = { day: number; email?: string; phone?: string; timezone?: string };
  const statedAt = (day: number): string => `2026-03-${String(day).padStart(2, '0')}T12:00:00.000Z`;
  /** Each field as the latest update naming it set it, over the profile created on day 1. */
  const expectedProfile = (created: Profile, seen: readonly Update[]): Profile => {
    const byTime = [...seen].sort((a, b) => a.day - b.day);
    const fields = Object.assign({}, ...byTime.map(({ day: _day, ...named }) => named)) as Partial<Profile>;
    return { ...created, ...fields, updatedAt: statedAt(Math.max(...seen.map((update) => update.day))) };
  };
  const fieldsOf = ({ day: _day, ...named }: Update) => named;
  const createdOnDayOne = async (): Promise<Profile> => {
    const { phone: _none, ...created } = aProfile(newCustomerId(), { updatedAt: statedAt(1) });
    await store.putProfile(created);
    return created;
  };

  it('ends with each field as the update stated last in time set it, whatever order the updates arrive in', async () => {
    await fc.assert(
      fc.asyncProperty(updates, async (seen) => {
        // Prepare
        const created = await createdOnDayOne();

        // Act
        for (const update of seen) await store.updateProfile(created.customerId, fieldsOf(update), statedAt(update.day));

        // Assess
        expect((await store.requireSnapshot(created.customerId)).profile).toEqual(expectedProfile(created, seen));
      }),
      { numRuns: 40 },
    );
  });

  it('ends with each field as the update stated last in time set it when the updates are written at the same moment', async () => {
    await fc.assert(
      fc.asyncProperty(updates, async (seen) => {
        // Prepare
        const created = await createdOnDayOne();

        // Act
        await Promise.all(seen.map((update) => store.updateProfile(created.customerId, fieldsOf(update), statedAt(update.day))));

        // Assess
        expect((await store.requireSnapshot(created.customerId)).profile).toEqual(expectedProfile(created, seen));
      }),
      { numRuns: 30 },
    );
  });

  it('creates nothing for a customer with no profile', async () => {
    // Prepare
    const customerId = newCustomerId();

    // Act
    const outcome = await store.updateProfile(customerId, { timezone: 'Europe/Paris' }, '2026-03-04T08:00:00Z');

    // Assess
    expect(outcome).toEqual({ kind: 'missing' });
    expect(await partitionItems(dynamo.client, tableName, customerId)).toEqual([]);
  });

  it('refuses a bad field, naming it, before writing anything', async () => {
    // Prepare
    const customerId = newCustomerId();
    await store.putProfile(aProfile(customerId));
    const before = await partitionItems(dynamo.client, tableName, customerId);

    // Act
    const attempt = store.updateProfile(customerId, { phone: '555-0143' }, '2026-03-04T08:00:00Z');

    // Assess
    await expect(attempt).rejects.toThrow(InvalidRecordError);
    await expect(attempt).rejects.toThrow(/phone/);
    expect(await partitionItems(dynamo.client, tableName, customerId)).toEqual(before);
  });
});

describe('putPreferences', () => {
  const stated = { channels: ['sms' as const, 'email' as const], maxPerWeek: 2 };

  it('keeps preferences stated later than the ones being written, however the instants are spelt', async () => {
    // Prepare
    const customerId = newCustomerId();
    await store.putProfile(aProfile(customerId));
    // 09:00 UTC, spelt so that its text sorts before the older write's.
    await store.putPreferences(customerId, stated, { at: '2026-03-04T07:00:00-02:00' });

    // Act
    const outcome = await store.putPreferences(customerId, { channels: ['email'] }, { at: '2026-03-04T08:00:00Z' });

    // Assess
    expect(outcome).toBe('stale');
    expect((await store.requireSnapshot(customerId)).preferences).toEqual(stated);
  });

  it('replaces preferences stated earlier, or at the same instant', async () => {
    // Prepare
    const customerId = newCustomerId();
    await store.putProfile(aProfile(customerId));
    await store.putPreferences(customerId, { channels: ['email'] }, { at: '2026-03-04T08:00:00Z' });

    // Act
    const later = await store.putPreferences(customerId, { channels: ['mail'] }, { at: '2026-03-05T08:00:00Z' });
    const sameInstant = await store.putPreferences(customerId, stated, { at: '2026-03-05T09:00:00+01:00' });

    // Assess
    expect([later, sameInstant]).toEqual(['written', 'written']);
    expect((await store.requireSnapshot(customerId)).preferences).toEqual(stated);
  });

  it('replaces preferences whatever their time when given none (an import)', async () => {
    // Prepare
    const customerId = newCustomerId();
    await store.putProfile(aProfile(customerId));
    await store.putPreferences(customerId, { channels: ['email'] }, { at: '2026-03-04T08:00:00Z' });

    // Act
    const outcome = await store.putPreferences(customerId, stated);

    // Assess
    expect(outcome).toBe('written');
    expect((await store.requireSnapshot(customerId)).preferences).toEqual(stated);
  });
});
