/**
 * A local stack's daily inactivity scan in a process of its own, killed (SIGKILL) mid-launch, for
 * test/local/inactivity-launch-restart.test.ts: started on the data folder `argv[2]` (cloud
 * assembly in `argv[3]`) at {@link ORDERS_AT}, it gives `argv[4]` customers a profile and an
 * order then, moves the clock to {@link SCAN_AT}, when they have lapsed, and runs the scan; it
 * kills itself once the win-back launch has entered its first customer (the registry on disk
 * names that execution, so the launcher's record is there too), and exits 3 if the launch ended
 * before that.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseCustomerEvent } from '../../lib/ingest/customer-event';
import { DATA_FILES } from '../../lib/local/data-files';
import { LocalRuntime } from '../../lib/local/runtime';
import { realDelay } from '../../lib/local/virtual-clock';
import { CATALOG } from '../../workflows';
import { aProfile } from '../store/fixtures';

/** When the customers last ordered. */
export const ORDERS_AT = new Date('2026-03-02T09:00:00.000Z');
/** When the scan runs: their lapse day is 90 days old and within the scan's lookback. */
export const SCAN_AT = new Date('2026-06-03T05:00:00.000Z');
/** Only win-back runs: the orders enter nothing else, so the run stays short. */
export const JOURNEYS = CATALOG.filter((journey) => journey.id === 'win-back');

async function main(data: string, outdir: string, customers: number): Promise<void> {
  const runtime = await LocalRuntime.start({ dataDir: data, outdir, start: ORDERS_AT, journeys: JOURNEYS, inactivityScan: false });
  for (let index = 0; index < customers; index += 1) {
    const customerId = `c-${index}`;
    await runtime.store.putProfile(aProfile(customerId, { stage: 'active' }));
    const occurredAt = ORDERS_AT.toISOString();
    const parsed = parseCustomerEvent(
      { id: `eb-order-${customerId}`, 'detail-type': 'order_placed', source: 'test', time: occurredAt, detail: { customerId, eventId: `order-${customerId}`, occurredAt } },
      { now: runtime.now() },
    );
    if (!parsed.valid) throw new Error(parsed.reason);
    await runtime.ingestEvent(parsed.event);
  }
  runtime.clock.moveTo(SCAN_AT.getTime());
  await runtime.saveClock();
  const registry = path.join(data, DATA_FILES.executions);
  let scanning = true;
  // Real time: the virtual clock holds the timers, and it does not move here.
  const killAtFirstEntry = async (): Promise<void> => {
    while (scanning) {
      const text = await readFile(registry, 'utf8').catch(() => '');
      if (text.includes('"journey":"win-back"')) process.kill(process.pid, 'SIGKILL');
      await realDelay(5);
    }
  };
  const killer = killAtFirstEntry();
  await runtime.scanForInactivity();
  const launching = (): boolean => runtime.stepFunctions.listExecutions({ stateMachineArn: runtime.launcherArn, status: 'RUNNING' }).length > 0;
  while (launching()) await realDelay(50);
  scanning = false;
  await killer;
  process.stderr.write('the win-back launch ended before it was killed\n');
  process.exit(3);
}

const [data, outdir, customers] = process.argv.slice(2);
if (require.main === module) {
  main(data ?? '', outdir ?? '', Number(customers)).catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(2);
  });
}
