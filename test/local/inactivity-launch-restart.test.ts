/**
 * A win-back launch the local inactivity scan started, cut short by a kill, carries on at the next
 * start and enters every lapsed customer: the scan's audience file is kept in the data folder, as
 * a marketer's launch's is, and put back in the in-memory audience bucket.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { LocalRuntime } from '../../lib/local/runtime';
import { JOURNEYS } from './inactivity-scan-process';
import { temporaryDataDir, testOutdir } from './support';

jest.setTimeout(300_000);

const ROOT = path.resolve(__dirname, '..', '..');
const OUTDIR = testOutdir('inactivity-launch-restart');
const CUSTOMERS = 250;

let runtime: LocalRuntime | undefined;

afterAll(async () => {
  await runtime?.close();
});

/** The scan in another process (inactivity-scan-process.ts), which kills itself at the launch's first entry. */
async function scanKilledMidLaunch(data: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/local/inactivity-scan-process.ts', data, OUTDIR, String(CUSTOMERS)], { cwd: ROOT });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString('utf8')));
  await new Promise<void>((resolve, reject) => {
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`the scan's process ended before it was killed:\n${stderr}`))));
  });
}

describe('a win-back launch of the inactivity scan, killed mid-way', () => {
  it('carries on at the next start and enters every lapsed customer', async () => {
    // Prepare: lapsed customers, and the scan's launch of them killed at its first entry.
    const data = temporaryDataDir('inactivity-launch-restart');
    await scanKilledMidLaunch(data);

    // Act
    runtime = await LocalRuntime.start({ dataDir: data, outdir: OUTDIR, journeys: JOURNEYS, inactivityScan: false });
    const launcher = () => runtime?.stepFunctions.listExecutions({ stateMachineArn: runtime.launcherArn })[0];
    while (launcher()?.status === 'RUNNING') await runtime.quiesce();

    // Assess
    const entered = runtime.stepFunctions.listExecutions().filter((record) => record.journey === 'win-back').length;
    expect({ launcher: launcher()?.status, error: launcher()?.error, entered }).toEqual({ launcher: 'SUCCEEDED', error: undefined, entered: CUSTOMERS });
  });
});
