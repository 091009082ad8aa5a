/**
 * How the local stack writes its data files: whole or not at all, even when two saves overlap.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeDataFile } from '../../lib/local/data-files';
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
