/**
 * docs/local.md: `overture launch` validates an audience file in one pass that keeps of each row
 * only its customer id and entry key. Measured here on the largest audience the local stack
 * launches at once (10 MiB as the launcher reads it: 953,249 ids of 9 characters): it validates
 * within 256 MB of heap, run as the bin runs, on to the data folder's check (a folder with no
 * stack data, so nothing is launched). The parser that kept the text, every record, every row and
 * the ids seen needed about 450 MB for a million ids, and 15 million (155 MB) ran it out of memory.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { MAX_LOCAL_AUDIENCE_BYTES } from '../../lib/local/audience-csv';
import { temporaryDataDir } from '../local/support';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '..', '..');
/** Ids of 9 characters are 11 bytes a row as `customerId,entryKey`, under a header of 20. */
const CUSTOMERS = Math.floor((MAX_LOCAL_AUDIENCE_BYTES - 20) / 11);

describe('overture launch of the largest audience the local stack launches', () => {
  it('validates it within 256 MB of heap, and goes on to the data folder', () => {
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
