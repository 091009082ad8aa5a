/**
 * Ctrl-C while the local stack is saving: the process finishes closing before it exits.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

describe('a local stack interrupted twice', () => {
  it('finishes closing and exits with status 0', () => {
    // Act
    const child = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(__dirname, 'fixtures', 'interrupted-twice.ts')], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });

    // Assess
    expect(child.signal).toBeNull();
    expect(child.status).toBe(0);
    expect(child.stdout).toContain('closed');
    // Within a moment of the first, the second signal reads as the same press (run-until-signal.ts).
    expect(child.stderr.match(/^stopping/gm)).toHaveLength(1);
    expect(child.stderr).toContain('stopped; the data folder keeps everything for the next start');
  });
});
