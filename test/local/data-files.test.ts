/**
 * How the local stack writes its data files: whole or not at all, even when two saves overlap;
 * and how it mends a JSON-lines file whose last line a kill cut short.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { endLastLine, writeDataFile } from '../../lib/local/data-files';
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
