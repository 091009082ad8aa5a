/**
 * docs/local.md: `overture launch` validates an audience file in one pass that keeps of each row
 * only its customer id and entry key, so a file as large as the running stack's launch route takes
 * (256 MiB) validates within Node's default heap. Measured here on a moderate file: a million ids
 * validate within 256 MB of heap, run as the bin runs, to the data folder's check (a folder with no
 * stack data, so nothing is launched). The parser that kept every record, row and the text several
 * times over needed about 450 MB for them, and 15 million ids (155 MB) ran it out of memory.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { temporaryDataDir } from '../local/support';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '..', '..');
const CUSTOMERS = 1_000_000;

describe('overture launch of a large audience file', () => {
  it('validates a million ids within 256 MB of heap, and goes on to the data folder', () => {
    // Prepare
    const folder = temporaryDataDir('audience-memory');
    const audience = path.join(folder, 'audience.csv');
    writeFileSync(audience, `customerId\n${Array.from({ length: CUSTOMERS }, (_, index) => `c-${String(index).padStart(7, '0')}\n`).join('')}`);
    const missing = path.join(folder, 'no-stack');

    // Act
    const child = spawnSync(
      process.execPath,
      ['--max-old-space-size=256', '--import', require.resolve('tsx'), path.join(ROOT, 'bin', 'overture.ts'), 'launch', 'loyalty', '--audience', audience, '--data', missing],
      { cwd: ROOT, encoding: 'utf8', timeout: 110_000 },
    );

    // Assess
    expect({ status: child.status, signal: child.signal, outOfMemory: child.stderr.includes('heap out of memory') }).toEqual({ status: 1, signal: null, outOfMemory: false });
    expect(child.stderr).toContain(`no local stack data in ${missing}`);
  });
});
