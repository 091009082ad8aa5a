/**
 * A store retry inside the local runtime: the store pauses between attempts, and the runtime's
 * virtual clock stands still while work is in flight, so a pause on that clock would never end.
 *
 * The state that forces a retry is the one a process killed in the middle of a local transaction
 * can leave behind: an attribute's history entry written, its current value not.
 */
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { LocalRuntime } from '../../lib/local/runtime';
import { realTimers } from '../../lib/local/virtual-clock';
import { itemKeys } from '../../lib/store/item-keys';
import { PARTITION_KEY, SORT_KEY } from '../../lib/store/table-design';
import { welcome } from '../../workflows/catalog/welcome';
import { testOutdir } from './support';

jest.setTimeout(300_000);

const CUSTOMER = 'retry-1';
const AT = '2026-03-02T09:00:00.000Z';

/** `work`, or a rejection naming `what` once `ms` of real time have passed. */
async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = realTimers.setTimeout(() => reject(new Error(`${what} did not finish in ${ms} ms of real time`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    realTimers.clearTimeout(timer);
  }
}

let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await LocalRuntime.start({ journeys: [welcome], start: new Date(AT), seed: 3, outdir: testOutdir('store-retry'), inactivityScan: false });
});

afterAll(async () => {
  await runtime?.close();
});

describe('a store retry in a work item of the local runtime', () => {
  it('finishes, and the retry completes the half-written change', async () => {
    // Prepare: the change recorded in full, then its current value removed, as a torn transaction leaves it.
    await runtime.store.putProfile({ customerId: CUSTOMER, stage: 'prospect', timezone: 'UTC', updatedAt: AT });
    await runtime.work.run(CUSTOMER, () => runtime.store.setAttributes(CUSTOMER, { tier: 'gold' }, { at: AT }));
    await runtime.clients.dynamodb.send(
      new DeleteItemCommand({
        TableName: runtime.tableName,
        Key: { [PARTITION_KEY]: { S: itemKeys.partition(CUSTOMER) }, [SORT_KEY]: { S: itemKeys.attributeState('tier') } },
      }),
    );

    // Act: the same change again (a replayed event), which loses its first attempt and pauses.
    const outcome = await within(20_000, 'setAttributes', runtime.work.run(CUSTOMER, () => runtime.store.setAttributes(CUSTOMER, { tier: 'gold' }, { at: AT })));

    // Assess
    expect(outcome.changed).toEqual(['tier']);
    const snapshot = await runtime.store.requireSnapshot(CUSTOMER);
    expect(snapshot.attributes.tier?.value).toBe('gold');
    expect(await runtime.store.attributeHistory(CUSTOMER, 'tier')).toHaveLength(1);
  });
});
