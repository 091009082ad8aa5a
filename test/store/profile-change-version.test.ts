/**
 * A profile change that a send depends on (time zone, email, phone, postal address) moves the
 * frequency item's version, on the DynamoDB emulator, as a consent, suppression or preference
 * change does: a send decided on the profile before it then fails its reservation and decides
 * again. A write that changes none of those leaves the version, and costs what it did.
 */
import type { Profile } from '../../lib/customer/model';
import { CustomerStore } from '../../lib/store';
import type { ProfileUpdate } from '../../lib/store/customer-store';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { aProfile, newCustomerId } from './fixtures';

const CREATED_AT = '2026-03-01T12:00:00Z';
const CHANGED_AT = '2026-03-02T16:59:00Z';

let dynamo: DynaliteHarness;
let store: CustomerStore;

beforeAll(async () => {
  dynamo = await startDynalite();
  store = new CustomerStore({ client: dynamo.client, tableName: await createCustomerTable(dynamo.client, 'profile-version') });
});

afterAll(() => dynamo.stop());

/** A customer whose frequency item is at version 1 (one consent recorded). */
async function customerAtVersionOne(overrides: Partial<Profile> = {}): Promise<Profile> {
  const profile = aProfile(newCustomerId('version'), { updatedAt: CREATED_AT, ...overrides });
  await store.putProfile(profile);
  await store.recordConsent(profile.customerId, { channel: 'sms', topic: 'marketing', status: 'granted', at: CREATED_AT, proof: { source: 'web-form' } });
  return profile;
}

async function versionOf(customerId: string): Promise<number> {
  return (await store.requireSnapshot(customerId)).frequency.version;
}

describe('updateProfile and the frequency version', () => {
  it.each<[string, ProfileUpdate]>([
    ['time zone', { timezone: 'Asia/Tokyo' }],
    ['email', { email: 'ana.new@example.com' }],
    ['phone', { phone: '+12125550199' }],
    ['postal address', { address: { line1: '2 Elm St', city: 'Springfield', postalCode: '01101', country: 'US' } }],
    ['second address line', { address: { line1: '1 Main St', line2: 'Apt 4', city: 'Springfield', postalCode: '01101', country: 'US' } }],
  ])('moves the version when the %s changes, with the profile before and after', async (_, fields) => {
    // Prepare
    const profile = await customerAtVersionOne();

    // Act
    const outcome = await store.updateProfile(profile.customerId, fields, CHANGED_AT);

    // Assess
    const after = { ...profile, ...fields, updatedAt: CHANGED_AT };
    expect(outcome).toEqual({ kind: 'updated', before: profile, after });
    expect((await store.requireSnapshot(profile.customerId)).profile).toEqual(after);
    expect(await versionOf(profile.customerId)).toBe(2);
  });

  it('moves the version when a late event changes a field no later one set', async () => {
    // Prepare
    const profile = await customerAtVersionOne();
    await store.updateProfile(profile.customerId, { stage: 'active' }, '2026-03-03T09:00:00Z');

    // Act
    const outcome = await store.updateProfile(profile.customerId, { timezone: 'Asia/Tokyo', stage: 'new_customer' }, CHANGED_AT);

    // Assess
    expect(outcome).toMatchObject({ kind: 'updated', after: { timezone: 'Asia/Tokyo', stage: 'active', updatedAt: '2026-03-03T09:00:00Z' } });
    expect(await versionOf(profile.customerId)).toBe(2);
  });

  it.each<[string, ProfileUpdate]>([
    ['the stage only', { stage: 'active' }],
    ['the same time zone, email, phone and address', { timezone: 'America/New_York', email: 'ana@example.com', phone: '+12125550143', address: { line1: '1 Main St', city: 'Springfield', postalCode: '01101', country: 'US' } }],
  ])('leaves the version when an update sets %s', async (_, fields) => {
    // Prepare
    const profile = await customerAtVersionOne();

    // Act
    const outcome = await store.updateProfile(profile.customerId, fields, CHANGED_AT);

    // Assess
    expect(outcome).toMatchObject({ kind: 'updated', after: { ...fields, updatedAt: CHANGED_AT } });
    expect(await versionOf(profile.customerId)).toBe(1);
  });

  it('leaves the version when a stage is set', async () => {
    // Prepare
    const profile = await customerAtVersionOne();

    // Act
    await store.setStage(profile.customerId, 'active', CHANGED_AT);

    // Assess
    expect(await versionOf(profile.customerId)).toBe(1);
  });
});

describe('putProfile and the frequency version', () => {
  it('moves the version when a replacement changes the time zone or drops the phone', async () => {
    // Prepare
    const profile = await customerAtVersionOne();
    const { phone: _dropped, ...withoutPhone } = profile;

    // Act
    await store.putProfile({ ...profile, timezone: 'Asia/Tokyo', updatedAt: CHANGED_AT });
    await store.putProfile({ ...withoutPhone, timezone: 'Asia/Tokyo', updatedAt: '2026-03-02T17:30:00Z' });

    // Assess
    expect(await versionOf(profile.customerId)).toBe(3);
    expect((await store.requireSnapshot(profile.customerId)).profile).toEqual({ ...withoutPhone, timezone: 'Asia/Tokyo', updatedAt: '2026-03-02T17:30:00Z' });
  });

  it('leaves the version when a replacement changes only the stage, and creates no frequency item for a new customer', async () => {
    // Prepare
    const profile = await customerAtVersionOne();
    const newcomer = aProfile(newCustomerId('version'));

    // Act
    await store.putProfile({ ...profile, stage: 'active', updatedAt: CHANGED_AT });
    await store.putProfile(newcomer);

    // Assess
    expect(await versionOf(profile.customerId)).toBe(1);
    expect(await versionOf(newcomer.customerId)).toBe(0);
  });
});
