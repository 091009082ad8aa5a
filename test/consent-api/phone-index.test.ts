import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  customersHoldingPhone,
  indexPhone,
  indexProfilePhone,
  LEGACY_PHONE_INDEX_SORT_KEY,
  unindexPhone,
  type PhoneIndexTable,
} from '../../lib/store/phone-index';
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
    const indexed = await indexProfilePhone(table, profile);
    // Assess
    expect(indexed).toBe(true);
    expect(await customersHoldingPhone(table, '+12125550101')).toEqual(['c-phone-1']);
    expect(await customersHoldingPhone(table, '+12125550102')).toEqual([]);
  });

  it('lists every customer stored with a shared number, whatever the order or times of the writes', async () => {
    // Prepare
    await indexPhone(table, { phone: '+12125550103', customerId: 'c-newer', updatedAt: '2026-03-05T00:00:00Z' });
    // Act: a later write with an older profile, as from a replayed capture, takes nothing away.
    await indexPhone(table, { phone: '+12125550103', customerId: 'c-older', updatedAt: '2026-03-01T00:00:00Z' });
    // Assess
    expect(await customersHoldingPhone(table, '+12125550103')).toEqual(['c-newer', 'c-older']);
  });

  it('removes only the customer whose phone moved; the others holding the number stay listed', async () => {
    // Prepare
    await indexPhone(table, { phone: '+12125550104', customerId: 'c-stays', updatedAt: '2026-03-01T00:00:00Z' });
    await indexPhone(table, { phone: '+12125550104', customerId: 'c-moves', updatedAt: '2026-03-05T00:00:00Z' });
    // Act
    const removed = await unindexPhone(table, '+12125550104', 'c-moves');
    const again = await unindexPhone(table, '+12125550104', 'c-moves');
    // Assess
    expect([removed, again]).toEqual([true, false]);
    expect(await customersHoldingPhone(table, '+12125550104')).toEqual(['c-stays']);
  });

  it('reads the item of the earlier one-item-per-number layout as one more holder', async () => {
    // Prepare
    await dynamo.client.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: {
          pk: { S: 'PHONE#+12125550105' },
          sk: { S: LEGACY_PHONE_INDEX_SORT_KEY },
          kind: { S: 'phone_index' },
          phone: { S: '+12125550105' },
          customerId: { S: 'c-legacy' },
          updatedAt: { S: '2026-02-01T00:00:00Z' },
          order: { S: '2026-02-01T00:00:00.000Z' },
        },
      }),
    );
    // Act
    await indexPhone(table, { phone: '+12125550105', customerId: 'c-new', updatedAt: '2026-03-01T00:00:00Z' });
    // Assess
    expect(await customersHoldingPhone(table, '+12125550105')).toEqual(['c-legacy', 'c-new']);
  });

  it('lists a customer once, however often the profile is indexed', async () => {
    // Act
    for (const updatedAt of ['2026-03-01T00:00:00Z', '2026-03-02T00:00:00Z', '2026-03-01T00:00:00Z']) {
      await indexPhone(table, { phone: '+12125550106', customerId: 'c-repeated', updatedAt });
    }
    // Assess
    expect(await customersHoldingPhone(table, '+12125550106')).toEqual(['c-repeated']);
  });

  it('writes nothing for a profile without a phone', async () => {
    // Act
    const indexed = await indexProfilePhone(table, aProfile('c-no-phone', { phone: undefined }));
    // Assess
    expect(indexed).toBe(false);
  });

  it('refuses a number that is not E.164, naming the field', async () => {
    // Act
    const lookUp = customersHoldingPhone(table, '212-555-0101');
    // Assess
    await expect(lookUp).rejects.toThrow(InvalidRecordError);
    await expect(customersHoldingPhone(table, '212-555-0101')).rejects.toThrow('phone');
  });
});
