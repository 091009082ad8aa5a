/**
 * The send slots of the rate-limited channels (lib/store/send-slots.ts) on dynalite: claims at one
 * instant get slots one interval apart, the first claim after an idle spell is now, and claims
 * made at once, as by several Lambda instances, never share a slot. Every instant is given
 * explicitly: nothing here measures the wall clock.
 */
import { DeleteItemCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { CustomerStoreError } from '../../lib/store';
import { SendSlots, sendSlotKey, type RateLimitedChannel } from '../../lib/store/send-slots';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';

const START = Date.parse('2026-03-02T15:00:00Z');

let dynamo: DynaliteHarness;
let table: { client: DynaliteHarness['client']; tableName: string };

beforeAll(async () => {
  dynamo = await startDynalite();
  table = { client: dynamo.client, tableName: await createCustomerTable(dynamo.client, 'send-slots') };
});
afterAll(() => dynamo.stop());

async function freeChannel(channel: RateLimitedChannel): Promise<void> {
  await table.client.send(new DeleteItemCommand({ TableName: table.tableName, Key: sendSlotKey(channel) }));
}

describe('SendSlots', () => {
  it('gives n claims at one instant slots one interval apart, the first of them now', async () => {
    // Prepare
    await freeChannel('email');
    const slots = new SendSlots(table, { email: 4 });
    const now = new Date(START);

    // Act
    const claimed: number[] = [];
    for (let claim = 0; claim < 5; claim += 1) claimed.push((await slots.claim('email', now)).getTime());

    // Assess
    expect(claimed).toEqual([0, 250, 500, 750, 1000].map((offset) => START + offset));
  });

  it('gives the first claim after the channel was idle the instant itself', async () => {
    // Prepare
    await freeChannel('sms');
    const slots = new SendSlots(table, { sms: 3 });
    await Promise.all([0, 1, 2, 3].map(() => slots.claim('sms', new Date(START))));

    // Act: the four slots ran to START + 1,000 ms (the next free one); two seconds later it is idle.
    const later = await slots.claim('sms', new Date(START + 2000));

    // Assess
    expect(later.getTime()).toBe(START + 2000);
  });

  it('limits only the channels it has a rate for, and never mail', () => {
    const slots = new SendSlots(table, { email: 14 });
    expect([slots.limits('email'), slots.limits('sms'), slots.limits('mail')]).toEqual([true, false, false]);
  });

  it('never gives two claims made at once the same slot, nor slots closer than the interval, whatever the rate', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 50 }),
        // Batches of claims made at once, each batch at its own instant (ms after the previous one).
        fc.array(fc.record({ after: fc.integer({ min: 0, max: 3000 }), claims: fc.integer({ min: 1, max: 12 }) }), { minLength: 1, maxLength: 5 }),
        async (rate, batches) => {
          await freeChannel('email');
          const slots = new SendSlots(table, { email: rate });
          const interval = 1000 / rate;
          let now = START;
          const all: number[] = [];
          for (const batch of batches) {
            now += batch.after;
            const at = now;
            const claimed = await Promise.all(Array.from({ length: batch.claims }, () => slots.claim('email', new Date(at))));
            for (const slot of claimed) {
              expect(slot.getTime()).toBeGreaterThanOrEqual(at);
              all.push(slot.getTime());
            }
          }
          const sorted = [...all].sort((a, b) => a - b);
          expect(new Set(sorted).size).toBe(sorted.length);
          // Slots are rounded up to the millisecond: one interval apart, less than a millisecond.
          const gaps = sorted.slice(1).map((slot, index) => slot - (sorted[index] ?? Number.NEGATIVE_INFINITY));
          for (const gap of gaps) expect(gap).toBeGreaterThan(interval - 1);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('keeps one item per channel holding the next free slot', async () => {
    // Prepare
    await freeChannel('email');
    const slots = new SendSlots(table, { email: 2 });

    // Act
    await slots.claim('email', new Date(START));
    await slots.claim('email', new Date(START));

    // Assess
    const { Item } = await table.client.send(new GetItemCommand({ TableName: table.tableName, Key: sendSlotKey('email'), ConsistentRead: true }));
    expect(Item).toEqual({ ...sendSlotKey('email'), next: { N: String(START + 1000) } });
  });

  it('fails with CustomerStoreError when the table cannot be reached, for the send Task to retry', async () => {
    const slots = new SendSlots({ client: table.client, tableName: 'no-such-table' }, { email: 14 });
    await expect(slots.claim('email', new Date(START))).rejects.toBeInstanceOf(CustomerStoreError);
  });
});
