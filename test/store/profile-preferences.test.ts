import { CustomerStore, InvalidRecordError } from '../../lib/store';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
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
