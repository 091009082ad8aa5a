/**
 * What the `overture` CLI answers when it is called without what it needs: no command, or a data
 * folder that no stack ever used. Runs in this process; no stack is started.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { overture } from '../support/cli';

const folder = mkdtempSync(path.join(tmpdir(), 'overture-cli-'));

describe('overture with no command', () => {
  it('prints its help on stderr and exits with status 2', async () => {
    // Act
    const result = await overture();

    // Assess
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Usage: overture');
  });
});

describe('overture status and why on a data folder no stack used', () => {
  const missing = path.join(folder, 'mistyped');
  const file = path.join(folder, 'a-file');
  writeFileSync(file, 'not a folder');

  it.each([
    ['status', 'a folder that does not exist', ['status', '--data', missing], missing],
    ['status', 'a file', ['status', '--data', file], file],
    ['why', 'a folder that does not exist', ['why', 'c-1', '--data', missing], missing],
    ['why', 'a file', ['why', 'c-1', '--data', file], file],
  ])('%s on %s says there is no stack data there and exits with status 1', async (_command, _case, args, dataDir) => {
    // Act
    const result = await overture(...args);

    // Assess
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`overture: no local stack data in ${dataDir}: run "npm start" or "overture serve" first\n`);
  });
});
