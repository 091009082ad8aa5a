/**
 * The send slots of the rate-limited channels (lib/store/send-slots.ts) on dynalite: claims at one
 * instant get slots one interval apart, the first claim after an idle spell is now, and claims
 * made at once, as by several Lambda instances, never share a slot. Transactional claims draw on a
 * share of the rate of their own (and on marketing's idle capacity), so they never queue behind
 * marketing ones, and the two classes together keep to the channel's rate. Every instant is given
 * explicitly: nothing here measures the wall clock.
 */
import { DeleteItemCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { CustomerStoreError } from '../../lib/store';
import { SendSlots, sendClassRates, sendSlotKey, type RateLimitedChannel, type SendClass } from '../../lib/store/send-slots';
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
  for (const sendClass of ['marketing', 'transactional'] as const) {
    await table.client.send(new DeleteItemCommand({ TableName: table.tableName, Key: sendSlotKey(channel, sendClass) }));
  }
}

/** Whether `count` slots at most `width` ms apart (first to last) keep to `rate` a second. */
function keepsToRate(count: number, width: number, rate: number): boolean {
  // Each class's slots are one of its intervals apart, rounded up to the millisecond, so a window
  // of `width` ms holds at most (width + 1) / interval + 1 of each: together, with the two classes'
  // rates adding up to the channel's, (width + 1) * rate / 1000 + 2.
  return count <= ((width + 1) * rate) / 1000 + 2;
}

describe('SendSlots', () => {
  it('gives n marketing claims at one instant slots one interval of the marketing share apart, the first of them now', async () => {
    // Prepare: 5 a second, 1 of them kept for transactional messages: a marketing slot every 250 ms.
    await freeChannel('email');
    const slots = new SendSlots(table, { email: 5 });
    const now = new Date(START);

    // Act
    const claimed: number[] = [];
    for (let claim = 0; claim < 5; claim += 1) claimed.push((await slots.claim('email', now, 'marketing')).getTime());

    // Assess
    expect(claimed).toEqual([0, 250, 500, 750, 1000].map((offset) => START + offset));
  });

  it('gives the first claim after the channel was idle the instant itself', async () => {
    // Prepare
    await freeChannel('sms');
    const slots = new SendSlots(table, { sms: 3 });
    await Promise.all([0, 1, 2, 3].map(() => slots.claim('sms', new Date(START), 'marketing')));

    // Act: the four slots (2 a second for marketing) ran to START + 2,000 ms; a second later it is idle.
    const later = await slots.claim('sms', new Date(START + 3000), 'marketing');

    // Assess
    expect(later.getTime()).toBe(START + 3000);
  });

  it('gives a transactional claim the instant itself when marketing claims hold the slots of the next minute', async () => {
    // Prepare: a launch at SES's 14 emails a second; 840 claims at 12.6 a second run past a minute.
    await freeChannel('email');
    const slots = new SendSlots(table, { email: 14 });
    let last = new Date(START);
    for (let claim = 0; claim < 840; claim += 1) last = await slots.claim('email', new Date(START), 'marketing');

    // Act
    const receipt = await slots.claim('email', new Date(START + 500), 'transactional');

    // Assess
    expect(receipt.getTime()).toBe(START + 500);
    expect(last.getTime()).toBeGreaterThan(START + 60_000);
  });

  it("lets transactional claims take marketing's idle slot, which marketing claims then wait for, and queues them at their own share beyond it", async () => {
    // Prepare: 14 a second: 1.4 kept for transactional (a slot every 714.3 ms), 12.6 for marketing (79.4 ms).
    await freeChannel('email');
    const slots = new SendSlots(table, { email: 14 });
    const now = new Date(START);

    // Act
    const receipts = [];
    for (let claim = 0; claim < 3; claim += 1) receipts.push((await slots.claim('email', now, 'transactional')).getTime());
    const marketing = await slots.claim('email', now, 'marketing');

    // Assess
    expect(receipts).toEqual([START, START, START + 715]);
    expect(marketing.getTime()).toBe(START + 80);
  });

  it("keeps a tenth of the rate for transactional messages, at least 1 a second, at most half the channel's", () => {
    expect([14, 3, 1, 100].map((rate) => sendClassRates(rate))).toEqual([
      { transactional: 1.4, marketing: 12.6 },
      { transactional: 1, marketing: 2 },
      { transactional: 0.5, marketing: 0.5 },
      { transactional: 10, marketing: 90 },
    ]);
  });

  it('holds both classes until the end of a quota hold, each giving its first claim after it the end itself', async () => {
    // Prepare
    await freeChannel('email');
    const slots = new SendSlots(table, { email: 14 });
    const until = new Date(START + 3_600_000);

    // Act
    await slots.holdUntil('email', until);
    const receipt = await slots.claim('email', new Date(START), 'transactional');
    const marketing = await slots.claim('email', new Date(START), 'marketing');

    // Assess
    expect([receipt.getTime(), marketing.getTime()]).toEqual([until.getTime(), until.getTime()]);
  });

  it('limits only the channels it has a rate for, and never mail', () => {
    const slots = new SendSlots(table, { email: 14 });
    expect([slots.limits('email'), slots.limits('sms'), slots.limits('mail')]).toEqual([true, false, false]);
  });

  it('never gives two claims of a class made at once the same slot, and keeps both classes together to the rate over any window, whatever the rate and the mix', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 50 }),
        // Batches of claims made at once, each batch at its own instant (ms after the previous
        // one), some after a quota hold.
        fc.array(
          fc.record({
            after: fc.integer({ min: 0, max: 3000 }),
            claims: fc.array(fc.constantFrom<SendClass>('marketing', 'transactional'), { minLength: 1, maxLength: 12 }),
            hold: fc.option(fc.integer({ min: 0, max: 2000 }), { nil: undefined }),
          }),
          { minLength: 1, maxLength: 5 },
        ),
        async (rate, batches) => {
          await freeChannel('email');
          const slots = new SendSlots(table, { email: rate });
          let now = START;
          const all: { sendClass: SendClass; at: number }[] = [];
          for (const batch of batches) {
            now += batch.after;
            const at = now;
            if (batch.hold !== undefined) await slots.holdUntil('email', new Date(at + batch.hold));
            const claimed = await Promise.all(batch.claims.map(async (sendClass) => ({ sendClass, at: (await slots.claim('email', new Date(at), sendClass)).getTime() })));
            for (const slot of claimed) expect(slot.at).toBeGreaterThanOrEqual(at);
            all.push(...claimed);
          }
          for (const sendClass of ['marketing', 'transactional'] as const) {
            const ofClass = all.filter((slot) => slot.sendClass === sendClass).map((slot) => slot.at);
            // A transactional claim may take marketing's idle slot: only marketing's may share.
            if (sendClass === 'marketing') expect(new Set(ofClass).size).toBe(ofClass.length);
          }
          const sorted = all.map((slot) => slot.at).sort((a, b) => a - b);
          for (let first = 0; first < sorted.length; first += 1) {
            for (let last = first + 1; last < sorted.length; last += 1) {
              const width = (sorted[last] ?? 0) - (sorted[first] ?? 0);
              expect({ count: last - first + 1, width, keeps: keepsToRate(last - first + 1, width, rate) }).toEqual({ count: last - first + 1, width, keeps: true });
            }
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('keeps one item per channel and class holding the next free slot, marketing in the item that held all of them before', async () => {
    // Prepare
    await freeChannel('email');
    const slots = new SendSlots(table, { email: 3 });

    // Act: 1 a second kept for transactional, 2 for marketing.
    await slots.claim('email', new Date(START), 'marketing');
    await slots.claim('email', new Date(START), 'marketing');
    await slots.claim('email', new Date(START), 'transactional');

    // Assess
    const read = async (sendClass: SendClass) =>
      (await table.client.send(new GetItemCommand({ TableName: table.tableName, Key: sendSlotKey('email', sendClass), ConsistentRead: true }))).Item;
    expect(sendSlotKey('email')).toEqual({ pk: { S: 'RATE#email' }, sk: { S: 'SLOT' } });
    expect(sendSlotKey('email', 'transactional')).toEqual({ pk: { S: 'RATE#email#transactional' }, sk: { S: 'SLOT' } });
    expect(await read('marketing')).toEqual({ ...sendSlotKey('email'), next: { N: String(START + 1000) } });
    expect(await read('transactional')).toEqual({ ...sendSlotKey('email', 'transactional'), next: { N: String(START + 1000) } });
  });

  it('fails with CustomerStoreError when the table cannot be reached, for the send Task to retry', async () => {
    const slots = new SendSlots({ client: table.client, tableName: 'no-such-table' }, { email: 14 });
    await expect(slots.claim('email', new Date(START), 'transactional')).rejects.toBeInstanceOf(CustomerStoreError);
  });
});
