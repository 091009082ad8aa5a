/**
 * A lock or stack note whose process id now names another process holds nothing: ids are reused
 * (a restarted container hands out the same small ones), and such a lock would keep every later
 * `overture` command out of the data folder for good. Linux tells the processes apart by their
 * start; a lock from before starts were kept (the id alone) still holds while its id is alive.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DATA_FILES, dataFolderHolder, lockDataFolder } from '../../lib/local/data-files';
import { processStart } from '../../lib/local/process-identity';
import { runningStack } from '../../lib/local/stack-note';
import { temporaryDataDir } from './support';

/** Another start than any process of this boot can have. */
const ANOTHER_PROCESS_START = '00000000-0000-0000-0000-000000000000/1';

let other: ChildProcess;
let otherPid: number;
let data: string;

beforeAll(() => {
  // Prepare: a live process that is not overture, as the one a reused id would name
  other = spawn('sleep', ['120'], { stdio: 'ignore' });
  otherPid = other.pid ?? 0;
});

afterAll(() => {
  other.kill();
});

beforeEach(() => {
  data = temporaryDataDir('reused-pid');
});

afterEach(() => {
  rmSync(data, { recursive: true, force: true });
});

function writeLock(content: string): void {
  writeFileSync(path.join(data, DATA_FILES.lock), `${content}\n`, 'utf8');
}

describe('the data folder lock', () => {
  it('is held by the live process that took it, start and all', async () => {
    // Prepare
    writeLock(`${otherPid} ${processStart(otherPid) ?? ''}`.trim());
    // Act / Assess
    expect(await dataFolderHolder(data)).toBe(otherPid);
    await expect(lockDataFolder(data)).rejects.toThrow(`in use by process ${otherPid}`);
  });

  it('holds nothing once its id names a process that started at another time, and is taken over', async () => {
    // Prepare
    expect(processStart(otherPid)).toBeDefined();
    writeLock(`${otherPid} ${ANOTHER_PROCESS_START}`);
    // Act
    const holder = await dataFolderHolder(data);
    const release = await lockDataFolder(data);
    // Assess
    expect(holder).toBeUndefined();
    expect(await dataFolderHolder(data)).toBe(process.pid);
    await release();
  });

  it('still holds, written with the id alone, while that id is alive', async () => {
    // Prepare
    writeLock(String(otherPid));
    // Act / Assess
    expect(await dataFolderHolder(data)).toBe(otherPid);
  });
});

describe('a running stack note', () => {
  function writeNote(started: string | undefined): void {
    const note = { pid: otherPid, ...(started === undefined ? {} : { started }), api: 'http://127.0.0.1:1', mailbox: 'http://127.0.0.1:2', tableName: 't', endpoints: {}, smsOutbox: 'sms.jsonl' };
    writeFileSync(path.join(data, DATA_FILES.endpoints), JSON.stringify(note), 'utf8');
  }

  it('names no running stack once its id names a process that started at another time', async () => {
    // Prepare
    writeNote(ANOTHER_PROCESS_START);
    // Act / Assess
    expect(await runningStack(data)).toBeUndefined();
  });

  it('names the stack while its process is the one that wrote it', async () => {
    // Prepare
    writeNote(processStart(otherPid));
    // Act / Assess
    expect((await runningStack(data))?.pid).toBe(otherPid);
  });
});
