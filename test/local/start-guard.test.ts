/**
 * `npm start` on a data folder that a running stack uses, or on a port another program holds:
 * it stops at once with a message that says what to do, and touches nothing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { DATA_FILES } from '../../lib/local/data-files';
import type { StackNote } from '../../lib/local/stack-note';
import { temporaryDataDir } from './support';

const ROOT = path.resolve(__dirname, '..', '..');

/** `npm start ARGS…` as its script runs it: its exit status and what it printed on stderr. */
function npmStart(...args: string[]): { status: number | null; stderr: string } {
  const child = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/start.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: child.status, stderr: child.stderr };
}

describe('npm start on a data folder a running stack uses', () => {
  it('refuses, names the running stack, and --reset deletes nothing', () => {
    // Prepare: the note a running stack leaves, naming this (live) process.
    const data = temporaryDataDir('start-guard');
    const note: StackNote = {
      pid: process.pid,
      api: 'http://127.0.0.1:8787',
      mailbox: 'http://127.0.0.1:8788/',
      tableName: 'overture-local-customers',
      endpoints: {},
      smsOutbox: path.join(data, DATA_FILES.smsOutbox),
    };
    writeFileSync(path.join(data, DATA_FILES.endpoints), JSON.stringify(note));
    const kept = path.join(data, DATA_FILES.clock);
    writeFileSync(kept, '{}');

    // Act
    const result = npmStart('--data', data, '--reset', '--port', '0');

    // Assess
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`npm start: a local stack already runs on ${data} (pid ${process.pid}, http://127.0.0.1:8787)`);
    expect(result.stderr).not.toContain('    at ');
    expect(existsSync(kept)).toBe(true);
  });
});

describe('npm start on a port another program holds', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('stops with a message naming the port and how to choose another', () => {
    // Prepare
    const data = temporaryDataDir('start-port');

    // Act
    const result = npmStart('--data', data, '--port', String(port));

    // Assess
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`npm start: port ${port} on 127.0.0.1 is already in use`);
    expect(result.stderr).toContain('choose another with --port, or --port 0 for a free one');
    expect(result.stderr).not.toContain('    at ');
  });
});
