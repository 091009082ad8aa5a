/**
 * How the local stack writes its data files: whole or not at all, even when two saves overlap;
 * how it mends a JSON-lines file whose last line a kill cut short; and who holds the folder.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { DATA_FILES, DataFolderInUseError, dataFolderHolder, endLastLine, lockDataFolder, writeDataFile } from '../../lib/local/data-files';
import { temporaryDataDir } from './support';

describe('writeDataFile', () => {
  it('leaves one whole copy and no temporary file when saves of one file overlap', async () => {
    // Prepare
    const folder = temporaryDataDir('data-files');
    const file = path.join(folder, 'clock.json');
    const texts = Array.from({ length: 20 }, (_, index) => JSON.stringify({ save: index, padding: 'x'.repeat(10_000) }));

    // Act
    await Promise.all(texts.map((text) => writeDataFile(file, text)));

    // Assess
    expect(texts).toContain(readFileSync(file, 'utf8'));
    expect(readdirSync(folder)).toEqual(['clock.json']);
  });
});

describe('endLastLine', () => {
  it('ends a last line cut short, and leaves whole files and missing ones as they are', async () => {
    // Prepare
    const folder = temporaryDataDir('data-files');
    const cut = path.join(folder, 'cut.jsonl');
    const whole = path.join(folder, 'whole.jsonl');
    const missing = path.join(folder, 'missing.jsonl');
    writeFileSync(cut, '{"a":1}\n{"b":');
    writeFileSync(whole, '{"a":1}\n');

    // Act
    await Promise.all([endLastLine(cut), endLastLine(whole), endLastLine(missing)]);

    // Assess
    expect(readFileSync(cut, 'utf8')).toBe('{"a":1}\n{"b":\n');
    expect(readFileSync(whole, 'utf8')).toBe('{"a":1}\n');
    expect(existsSync(missing)).toBe(false);
  });
});

describe('lockDataFolder', () => {
  it.each([
    ['a process that is gone (killed)', () => spawnSync(process.execPath, ['-e', '']).pid],
    ['this process\'s id, which an earlier process had (a container restarted)', () => process.pid],
  ])('takes over a lock left by %s, and refuses a second taker until released', async (_case, stalePid) => {
    // Prepare
    const folder = temporaryDataDir('folder-lock');
    writeFileSync(path.join(folder, DATA_FILES.lock), `${stalePid()}\n`);

    // Act
    const release = await lockDataFolder(folder);
    const second = lockDataFolder(folder);

    // Assess
    await expect(second).rejects.toThrow(DataFolderInUseError);
    expect(await dataFolderHolder(folder)).toBe(process.pid);
    await release();
    expect(existsSync(path.join(folder, DATA_FILES.lock))).toBe(false);
    expect(readdirSync(folder)).toEqual([]);
  });
});
