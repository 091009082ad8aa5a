import { customerIdForPhone, indexPhone, indexProfilePhone, unindexPhone, type PhoneIndexTable } from '../../lib/store/phone-index';
import { InvalidRecordError } from '../../lib/store';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { aProfile } from '../store/fixtures';

let dynamo: DynaliteHarness;
let table: PhoneIndexTable;

beforeAll(async () => {
  dynamo = await startDynalite();
  table = { client: dynamo.client, tableName: await createCustomerTable(dynamo.client, 'phone-index') };
});

afterAll(() => dynamo.stop());

describe('the phone index', () => {
  it('finds the customer a profile with that phone was stored for', async () => {
    // Prepare
    const profile = aProfile('c-phone-1', { phone: '+12125550101' });
    // Act
    const written = await indexProfilePhone(table, profile);
    // Assess
    expect(written).toBe(true);
    expect(await customerIdForPhone(table, '+12125550101')).toBe('c-phone-1');
    expect(await customerIdForPhone(table, '+12125550102')).toBeUndefined();
  });

  it('gives a shared number to the profile stored with the latest time, whatever the order of the writes', async () => {
    // Prepare
    await indexPhone(table, { phone: '+12125550103', customerId: 'c-newer', updatedAt: '2026-03-05T00:00:00Z' });
    // Act
    const lateOlder = await indexPhone(table, { phone: '+12125550103', customerId: 'c-older', updatedAt: '2026-03-01T00:00:00Z' });
    // Assess
    expect(lateOlder).toBe(false);
    expect(await customerIdForPhone(table, '+12125550103')).toBe('c-newer');
  });

  it('removes a number only while it still points at the customer', async () => {
    // Prepare
    await indexPhone(table, { phone: '+12125550104', customerId: 'c-now', updatedAt: '2026-03-05T00:00:00Z' });
    // Act
    const byOther = await unindexPhone(table, '+12125550104', 'c-before');
    const byOwner = await unindexPhone(table, '+12125550104', 'c-now');
    // Assess
    expect([byOther, byOwner]).toEqual([false, true]);
    expect(await customerIdForPhone(table, '+12125550104')).toBeUndefined();
  });

  it('writes nothing for a profile without a phone', async () => {
    // Act
    const written = await indexProfilePhone(table, aProfile('c-no-phone', { phone: undefined }));
    // Assess
    expect(written).toBe(false);
  });

  it('refuses a number that is not E.164, naming the field', async () => {
    // Act
    const lookUp = customerIdForPhone(table, '212-555-0101');
    // Assess
    await expect(lookUp).rejects.toThrow(InvalidRecordError);
    await expect(customerIdForPhone(table, '212-555-0101')).rejects.toThrow('phone');
  });
});
