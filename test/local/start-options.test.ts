/**
 * `npm start` with an option value it cannot use: it stops before writing anything, says which
 * option and what the value must be, without a stack trace, and exits with 2 (bad input), as the
 * `overture` commands do.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import path from 'node:path';
import { DATA_FILES } from '../../lib/local/data-files';
import { temporaryDataDir } from './support';

const ROOT = path.resolve(__dirname, '..', '..');

/** `npm start ARGS…` as its script runs it, in the folder `cwd`: its exit status and what it printed on stderr. */
function npmStartIn(cwd: string, ...args: string[]): { status: number | null; stderr: string } {
  const child = spawnSync(process.execPath, ['--import', require.resolve('tsx'), path.join(ROOT, 'scripts', 'start.ts'), ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: child.status, stderr: child.stderr };
}

function npmStart(...args: string[]): { status: number | null; stderr: string } {
  return npmStartIn(ROOT, ...args);
}

describe('npm start with an option value it cannot use', () => {
  it.each([
    [['--port', '99999'], "option '--port <n>' argument '99999' is invalid. must be a port number 0–65535"],
    [['--port', ''], "option '--port <n>' argument '' is invalid. must be a port number 0–65535"],
    [['--rate', '0'], "option '--rate <n>' argument '0' is invalid. must be a positive number"],
    [['--customers', ''], "option '--customers <n>' argument '' is invalid. must be a whole number 0–100000"],
    [['--customers', '1e9'], "option '--customers <n>' argument '1e9' is invalid. must be a whole number 0–100000"],
    [['--seed', '4294967296'], "option '--seed <n>' argument '4294967296' is invalid. must be a whole number 0–4294967295"],
  ])('%j: names the option and what it must be, exits with 2, and creates no data folder', (args, message) => {
    // Prepare: a data folder path that does not exist yet.
    const data = path.join(temporaryDataDir('start-options'), 'data');

    // Act
    const result = npmStart('--data', data, ...args);

    // Assess
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toContain('    at ');
    expect(existsSync(data)).toBe(false);
  });

  it('refuses an empty --data, which would be the current folder, and --reset deletes nothing there', () => {
    // Prepare: run in a folder of its own, with a file in it.
    const cwd = temporaryDataDir('start-options-cwd');
    const kept = path.join(cwd, 'notes.txt');
    writeFileSync(kept, 'kept');

    // Act
    const result = npmStartIn(cwd, '--data', '', '--reset', '--port', '0');

    // Assess
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("option '--data <dir>' argument '' is invalid. must name a folder");
    expect(readFileSync(kept, 'utf8')).toBe('kept');
  });

  it('refuses a --data that names a file, and --reset leaves the file as it was', () => {
    // Prepare
    const file = path.join(temporaryDataDir('start-options'), 'notes.txt');
    writeFileSync(file, 'kept');

    // Act
    const result = npmStart('--data', file, '--reset', '--port', '0');

    // Assess
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`npm start: --data: ${file} is a file, not a folder`);
    expect(result.stderr).not.toContain('    at ');
    expect(readFileSync(file, 'utf8')).toBe('kept');
  });
});

/** A port another program listens on, so that a start stops right after --reset, at its endpoint's listen. */
async function takenPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

describe('npm start --reset', () => {
  it('refuses a folder that holds no stack data, naming it, and deletes nothing there', async () => {
    // Prepare: a folder of someone's own files (a mistyped --data ., a documents folder).
    const folder = temporaryDataDir('start-reset-foreign');
    writeFileSync(path.join(folder, 'thesis.docx'), 'years of work');
    mkdirSync(path.join(folder, 'src'));
    const { port, server } = await takenPort();

    // Act
    const result = npmStart('--reset', '--data', folder, '--port', String(port));
    server.close();

    // Assess
    expect({ status: result.status, kept: readdirSync(folder).sort() }).toEqual({ status: 2, kept: ['src', 'thesis.docx'] });
    expect(result.stderr).toContain(`--reset: ${folder} holds no local stack data`);
  });

  it("deletes the stack's own files and folders, and leaves anything else in the folder", async () => {
    // Prepare: a stopped stack's data folder, with a file of someone's own put there too.
    const folder = temporaryDataDir('start-reset-stack');
    for (const file of [DATA_FILES.stack, DATA_FILES.clock, DATA_FILES.executions, DATA_FILES.ports, 'demo.json', `${DATA_FILES.clock}.123-4.tmp`]) writeFileSync(path.join(folder, file), '{}');
    mkdirSync(path.join(folder, DATA_FILES.dynamodb));
    writeFileSync(path.join(folder, DATA_FILES.dynamodb, 'CURRENT'), 'MANIFEST-000001');
    writeFileSync(path.join(folder, 'notes.txt'), 'kept');
    const { port, server } = await takenPort();

    // Act
    const result = npmStart('--reset', '--data', folder, '--port', String(port));
    server.close();

    // Assess: the start stopped at the taken port, after the reset.
    expect(result.status).toBe(1);
    expect(readdirSync(folder)).toEqual(['notes.txt']);
  });
});
