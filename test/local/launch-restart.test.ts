/**
 * A launch a kill cut short (`overture launch` on a stopped stack, or a stack killed mid-launch)
 * carries on at the next start and launches the rest of its audience: the audience bucket is in
 * memory, so the runtime keeps each launch's file in the data folder and puts it back.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { DATA_FILES, readSavedClock } from '../../lib/local/data-files';
import { LocalRuntime } from '../../lib/local/runtime';
import { readExecutionRegistry, type ExecutionRecord } from '../../lib/local/step-functions';
import { aProfile } from '../store/fixtures';
import { temporaryDataDir, testOutdir } from './support';

jest.setTimeout(300_000);

const ROOT = path.resolve(__dirname, '..', '..');
const OUTDIR = testOutdir('launch-restart');
const AT = new Date('2026-03-02T09:00:00.000Z');
const CUSTOMERS = Array.from({ length: 600 }, (_, index) => `c-${index}`);

let runtime: LocalRuntime | undefined;

afterAll(async () => {
  await runtime?.close();
});

/** `overture launch` in another process, killed (SIGKILL) once it reports its first batch done. */
async function launchKilledAfterFirstBatch(data: string, audience: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/overture.ts', 'launch', 'loyalty', '--audience', audience, '--data', data, '--cdk-out', OUTDIR], { cwd: ROOT });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (stderr.includes(' customers done')) child.kill('SIGKILL');
    });
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`the launch ended before it was killed:\n${stderr}`))));
  });
}

/** `overture launch` in another process, run to its end: its exit code and what it printed. */
async function launchToTheEnd(data: string, audience: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/overture.ts', 'launch', 'loyalty', '--audience', audience, '--data', data, '--cdk-out', OUTDIR], { cwd: ROOT });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stdout, stderr };
}

/** The customers who entered loyalty, from the executions' names. */
function enteredLoyalty(executions: readonly ExecutionRecord[]): Set<string> {
  return new Set(
    executions
      .filter((record) => record.journey === 'loyalty')
      // loyalty-<customer>-<launch id>, the launch id being the entry key of every row.
      .map((record) => record.name.replace(/^loyalty-(.*)-launch-loyalty-[0-9a-f]+$/, '$1')),
  );
}

/**
 * A stopped stack's data folder, with a profile for each customer, of the gold tier loyalty's entry
 * condition admits, and an audience file of them all.
 */
async function stoppedStackWithAudience(label: string): Promise<{ data: string; audience: string }> {
  const data = temporaryDataDir(label);
  const first = await LocalRuntime.start({ dataDir: data, outdir: OUTDIR, start: AT, inactivityScan: false });
  for (const customerId of CUSTOMERS) {
    await first.store.putProfile(aProfile(customerId));
    await first.store.setAttributes(customerId, { tier: 'gold' }, { at: first.now().toISOString() });
  }
  await first.close();
  const audience = path.join(data, '..', `${path.basename(data)}-audience.csv`);
  writeFileSync(audience, `customerId\n${CUSTOMERS.join('\n')}\n`);
  return { data, audience };
}

describe('a command killed mid-way on a stopped stack', () => {
  it('has moved the folder\'s saved clock a millisecond on already, so the next command happens after it', async () => {
    // Prepare
    const { data, audience } = await stoppedStackWithAudience('killed-clock');
    const saved = await readSavedClock(data);

    // Act
    await launchKilledAfterFirstBatch(data, audience);

    // Assess
    expect(saved).toBeDefined();
    expect((await readSavedClock(data))?.getTime()).toBe((saved?.getTime() ?? Number.NaN) + 1);
  });
});

describe('the same launch run again on the stopped stack after a kill cut it short', () => {
  it('carries it on to its end and reports its totals, rather than saying it still runs', async () => {
    // Prepare
    const { data, audience } = await stoppedStackWithAudience('launch-again');
    await launchKilledAfterFirstBatch(data, audience);

    // Act
    const again = await launchToTheEnd(data, audience);

    // Assess: every customer is in, each once, and the report says what happened.
    expect(again.stdout).not.toContain('still runs');
    expect(again.stdout).not.toContain('another --id');
    const totals = /was cut short and has now carried on to its end\. Of 600 customers: (\d+) entered, (\d+) already in or not eligible/.exec(again.stdout);
    // The first batch (100) entered before the kill, perhaps some of the next; the rest entered now.
    const enteredNow = Number(totals?.[1]);
    const enteredBefore = Number(totals?.[2]);
    expect({ code: again.code, everyone: enteredNow + enteredBefore, firstBatchBefore: enteredBefore >= 100 }).toEqual({ code: 0, everyone: 600, firstBatchBefore: true });
    const executions = await readExecutionRegistry(path.join(data, DATA_FILES.executions));
    expect(executions.filter((record) => record.journey === undefined).map((record) => record.status)).toEqual(['SUCCEEDED']);
    expect(enteredLoyalty(executions).size).toBe(CUSTOMERS.length);
  });
});

describe('a launch killed after its first batch', () => {
  it('carries on at the next start and launches every customer of its audience', async () => {
    // Prepare: a stack that ran once, with a profile for each customer; the launch killed mid-way.
    const { data, audience } = await stoppedStackWithAudience('launch-restart');
    await launchKilledAfterFirstBatch(data, audience);

    // Act
    runtime = await LocalRuntime.start({ dataDir: data, outdir: OUTDIR, inactivityScan: false });
    const launcher = (): string | undefined => runtime?.stepFunctions.listExecutions().find((record) => record.stateMachineArn === runtime?.launcherArn)?.status;
    while (launcher() === 'RUNNING') await runtime.quiesce();

    // Assess
    expect(launcher()).toBe('SUCCEEDED');
    expect(enteredLoyalty(runtime.stepFunctions.listExecutions()).size).toBe(CUSTOMERS.length);
  });
});
