/**
 * One process works on a data folder at a time. A command on a stopped stack (`overture launch`,
 * `send-event`, `redrive`, `receive-sms`) holds the folder's DynamoDB data for as long as it runs,
 * and leaves no note for others to find, as a running stack does: a start or another command on
 * the folder meanwhile stops with a message that says so, and touches nothing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DATA_FILES } from '../../lib/local/data-files';
import { LocalRuntime } from '../../lib/local/runtime';
import { temporaryDataDir, testOutdir } from './support';

const ROOT = path.resolve(__dirname, '..', '..');
const OUTDIR = testOutdir('folder-lock');

/** A script run in another process as it runs from a terminal: its exit status and what it printed on stderr. */
function run(script: string, ...args: string[]): { status: number | null; stderr: string } {
  const child = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 90_000 });
  return { status: child.status, stderr: child.stderr };
}

describe('a data folder a command on the stopped stack works on', () => {
  let data: string;
  let runtime: LocalRuntime;

  beforeAll(async () => {
    // Prepare: the runtime an offline command starts on the folder, with a consent recorded.
    data = temporaryDataDir('folder-lock');
    runtime = await LocalRuntime.start({ dataDir: data, outdir: OUTDIR, start: new Date('2026-03-02T09:00:00Z'), resumeInterrupted: false, inactivityScan: false });
    await runtime.store.recordConsent('c-kept', { channel: 'email', topic: 'marketing', status: 'granted', at: '2026-03-02T09:00:00Z', proof: { source: 'crm' } });
  }, 120_000);

  afterAll(async () => {
    await runtime.close();
  });

  it('refuses another command on it with status 1 and a message, not a stack trace', () => {
    // Act
    const result = run('bin/overture.ts', 'send-event', 'signed_up', '--customer', 'c-other', '--data', data, '--cdk-out', OUTDIR);

    // Assess
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `overture: the data folder ${data} is in use by another overture process (pid ${process.pid}): a stack starting, or a command on the stopped stack; one process works on a data folder at a time, so run this once it has started or ended, or give another folder with --data\n`,
    );
  }, 120_000);

  it('refuses npm start --reset, naming the process, and deletes nothing', async () => {
    // Act
    const result = run('scripts/start.ts', '--data', data, '--reset', '--port', '0');

    // Assess
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`npm start: the data folder ${data} is in use by another overture process (pid ${process.pid})`);
    expect(result.stderr).not.toContain('    at ');
    expect(existsSync(path.join(data, DATA_FILES.dynamodb))).toBe(true);
    expect(await runtime.store.consentLedger('c-kept')).toHaveLength(1);
  }, 120_000);
});
